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
import type { CommandContext } from '../context.js';
import { printJson, printLine } from '../output.js';

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

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
      const app = ctx.app();
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
      }
      if (available.includes('docker')) {
        const tag = getDefaultImageTag(findImagesDir());
        const present = await app.docker.hasImage(tag);
        checks.push({
          name: 'sandbox image',
          ok: present,
          detail: present ? tag : `${tag} not built`,
          fix: 'corral image build',
        });
        const agentsTag = getAgentImageTag(findImagesDir());
        const agents = await app.docker.hasImage(agentsTag);
        checks.push({
          name: 'agents image',
          ok: agents,
          detail: agents
            ? `${agentsTag} (Claude Code, Codex, Gemini CLI)`
            : `${agentsTag} not built (needed by --agent claude|codex|gemini)`,
          fix: 'corral image build',
        });
        const gatewayTag = getGatewayImageTag(findImagesDir());
        const gateway = await app.docker.hasImage(gatewayTag);
        checks.push({
          name: 'gateway image',
          ok: gateway,
          detail: gateway
            ? gatewayTag
            : `${gatewayTag} not built (needed by every instance with network: agents, --allow-host)`,
          fix: 'corral image build',
        });
        const v2 = await version('docker', ['compose', 'version', '--short']);
        const v1 = v2 ? undefined : await version('docker-compose', ['version', '--short']);
        checks.push({
          name: 'compose',
          ok: Boolean(v2 ?? v1),
          detail: v2
            ? `docker compose ${v2}`
            : v1
              ? `docker-compose ${v1} (v1)`
              : 'no compose CLI (needed by every instance with network: agents, --allow-host)',
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
