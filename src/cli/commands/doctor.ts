/** `corral doctor`: what is available, what is missing, and the command that fixes each. */
import type { Command } from 'commander';
import { access, constants, mkdir } from 'node:fs/promises';
import { exec } from '../../lib/exec.js';
import { ExitCode } from '../../lib/errors.js';
import type { HealthCheck } from '../../backends/backend.js';
import { describeEnforcedLimits, isFullyEnforced } from '../../state/index.js';
import type { CommandContext } from '../context.js';
import { printJson, printLine } from '../output.js';

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
      const checks: HealthCheck[] = [];
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
      for (const backend of Object.values(app.backends)) {
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
        if (p.available) checks.push(...((await backend.diagnose?.()) ?? []));
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
