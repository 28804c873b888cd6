/** `corral ls`: every instance, its status reconciled against what is really running. */
import type { Command } from 'commander';
import { formatDurationMs } from '../../lib/duration.js';
import { listRelaxations } from '../../state/index.js';
import type { CommandContext } from '../context.js';
import { outcomeJson } from '../outcome.js';
import { printJson, printLine } from '../output.js';
import { tableCell } from '../../lib/terminal-text.js';
import { basename } from 'node:path';

export function registerLs(program: Command, ctx: CommandContext): void {
  program
    .command('ls')
    .description('list instances (a record that says running with nothing behind it shows lost)')
    .option('--json', 'print one JSON object: { instances: [...] }')
    .action(async (o: { json?: boolean }) => {
      const { orchestrator } = ctx.app();
      const all = await orchestrator.store.list();
      if (o.json) {
        printJson({
          instances: all.map((m) => ({
            ...outcomeJson(m, orchestrator.store.paths(m.id).workspace),
            createdAt: m.createdAt,
            command: m.command,
            relax: m.relax,
            mounts: m.mounts,
            modelPolicy: m.modelPolicy,
          })),
        });
        return;
      }
      if (all.length === 0) {
        printLine('no instances (start one with: corral run -- <command>)');
        return;
      }
      const rows = all.map((m) =>
        [
          m.id,
          m.name ?? '',
          m.status,
          m.agent,
          m.backend,
          basename(m.sourceRepo),
          m.network === 'open' ? 'allowlist' : 'none',
          listRelaxations(m.relax, m.mounts, m.modelPolicy.allowApi).length ? 'relaxed!' : 'full',
          m.durationMs !== null ? formatDurationMs(m.durationMs) : ago(m.createdAt),
          m.branch,
          m.prompt ?? m.command.join(' '),
        ].map((cell, i, row) => tableCell(cell, i === row.length - 1 ? 50 : 40)),
      );
      if (all.some((m) => listRelaxations(m.relax, m.mounts, m.modelPolicy.allowApi).length)) {
        process.stderr.write(
          'HARDENING relaxed!: started with --unsafe-… or --allow-model-api flags; `corral policy <id>` says which.\n',
        );
      }
      printTable(
        [
          'ID',
          'NAME',
          'STATUS',
          'AGENT',
          'BACKEND',
          'REPO',
          'EGRESS',
          'HARDENING',
          'TIME',
          'BRANCH',
          'TASK',
        ],
        rows,
      );
    });
}

function ago(iso: string): string {
  return `${formatDurationMs(Date.now() - Date.parse(iso))} ago`;
}

export function printTable(head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  printLine(fmt(head));
  for (const r of rows) printLine(fmt(r));
}
