/** `corral doctor`: what is available, what is missing, and the command that fixes each. */
import type { Command } from 'commander';
import { access, constants, mkdir } from 'node:fs/promises';
import { exec } from '../../lib/exec.js';
import { ExitCode } from '../../lib/errors.js';
import {
  findImagesDir,
  getAgentImageTag,
  getDefaultImageTag,
  getGatewayImageTag,
} from '../../backends/docker/index.js';
import { describeEnforcedLimits, isFullyEnforced } from '../../state/index.js';
import type { CommandContext } from '../context.js';
import { printJson, printLine } from '../output.js';

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

const networkNeed = ' (needed by every instance with network: agents, --allow-host)';

async function version(cmd: string, args: string[]): Promise<string | undefined> {
  const r = await exec(cmd, args, { allowFailure: true }).catch(() => undefined);
  return r?.exitCode === 0 ? r.stdout.trim().split('\n')[0] : undefined;
}

export function registerDoctor(program: Command, ctx: CommandContext): void {
  program
    .command('doctor')
    .description(
      'check what corral needs: backends, image, git, state dir; say how to fix what is missing',
    )
    .option('--json', 'print one JSON object: { checks: [...], backends: [...] }')
    .action(async (o: { json?: boolean }) => {
      const app = await ctx.app();
      const checks: Check[] = [];
      const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
      checks.push({
        name: 'node',
        ok: major > 20 || (major === 20 && minor >= 11),
        detail: `node ${process.versions.node}`,
        fix: 'install Node.js 20.11 or newer',
      });
      const gitVersion = await version('git', ['--version']);
      checks.push({
        name: 'git',
        ok: Boolean(gitVersion),
        detail: gitVersion ?? 'git not found',
        fix: 'sudo apt-get install -y git',
      });
      const available: string[] = [];
      for (const backend of [app.docker, app.local]) {
        const p = await backend.probe();
        if (p.available) available.push(backend.name);
        checks.push({
          name: `backend ${backend.name}`,
          ok: p.available,
          detail: p.detail,
          fix: p.fix,
        });
        if (p.available && p.limits) {
          // Limits a host cannot enforce do not stop a run, but are never hidden.
          checks.push({
            name: `limits ${backend.name}`,
            ok: isFullyEnforced(p.limits),
            detail: describeEnforcedLimits(p.limits),
            fix: 'run corral as root or in a delegated cgroup v2 subtree, or use --backend docker',
          });
        }
      }
      if (available.includes('docker')) {
        const dir = findImagesDir();
        const images: Array<{ name: string; tag: string; has?: string; needs?: string }> = [
          {
            name: 'sandbox image',
            tag: getDefaultImageTag(dir),
            has: ' (Node, npm, Python 3, pip, a C toolchain, git)',
          },
          {
            name: 'agents image',
            tag: getAgentImageTag(dir),
            has: ' (Claude Code, Codex, Gemini CLI)',
            needs: ' (needed by --agent claude|codex|gemini)',
          },
          { name: 'gateway image', tag: getGatewayImageTag(dir), needs: networkNeed },
        ];
        for (const { name, tag, has = '', needs = '' } of images) {
          const ok = await app.docker.hasImage(tag);
          checks.push({
            name,
            ok,
            detail: ok ? `${tag}${has}` : `${tag} not built${needs}`,
            fix: 'corral image build',
          });
        }
        // The same detection a fenced start uses.
        const compose = await app.docker.composeCli().catch(() => null);
        checks.push({
          name: 'compose',
          ok: compose !== null,
          detail: !compose
            ? `no compose CLI${networkNeed}`
            : compose.generation === 2
              ? `${compose.argv.join(' ')} ${compose.version}`
              : `docker-compose ${compose.version} (v1)`,
          fix: 'sudo apt-get install -y docker-compose',
        });
      }
      const writable = await mkdir(app.home, { recursive: true })
        .then(() => access(app.home, constants.W_OK))
        .then(
          () => true,
          () => false,
        );
      checks.push({
        name: 'state dir',
        ok: writable,
        detail: app.home,
        fix: `make ${app.home} writable, or set CORRAL_HOME`,
      });
      const defaultBackend = available[0] ?? null;
      if (o.json)
        printJson({ ok: defaultBackend !== null, defaultBackend, backends: available, checks });
      else {
        for (const c of checks)
          printLine(
            `${c.ok ? '✔' : '✘'} ${c.name.padEnd(15)} ${c.detail}${c.ok || !c.fix ? '' : `\n  fix: ${c.fix}`}`,
          );
        printLine(
          defaultBackend
            ? `default backend (--backend auto): ${defaultBackend}`
            : 'no backend available: fix one of the above',
        );
      }
      if (!defaultBackend) process.exitCode = ExitCode.backendUnavailable;
    });
}
