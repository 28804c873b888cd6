/**
 * `corral ls`: the instances, their status reconciled against what is really running,
 * filtered and sorted; answered from the index (kept up to date with the state dirs).
 */
import { Option, type Command } from 'commander';
import { formatDurationMs, parseDurationMs } from '../../lib/duration.js';
import { instanceStatuses, listRelaxations, type InstanceStatus } from '../../state/index.js';
import {
  instanceSorts,
  type InstanceQuery,
  type InstanceSort,
} from '../../store/instance-query.js';
import type { CommandContext } from '../context.js';
import { outcomeJson } from '../outcome.js';
import { printJson, printLine, usage } from '../output.js';
import { tableCell } from '../../lib/terminal-text.js';
import { alignColumns } from '../../lib/text-table.js';
import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';

interface LsOptions {
  json?: boolean;
  status?: string;
  agent?: string;
  repo?: string;
  since?: string;
  sort?: InstanceSort;
  limit?: string;
}

export function registerLs(program: Command, ctx: CommandContext): void {
  program
    .command('ls')
    .description('list instances (a record that says running with nothing behind it shows lost)')
    .option('--status <status,…>', `only these statuses (${instanceStatuses.join(', ')})`)
    .option('--agent <agent,…>', 'only these agents')
    .option(
      '--repo <path|name>',
      "only this source repository (a path in it, or its folder's name)",
    )
    .option(
      '--since <duration|date>',
      'only those created since: a duration (30m, 2h, 7d) or an ISO date',
    )
    .addOption(
      new Option(
        '--sort <key>',
        'created, started or ended (newest first), status (in lifecycle order) or agent',
      )
        .choices(instanceSorts)
        .default('created'),
    )
    .option('--limit <n>', 'at most n instances')
    .option('--json', 'print one JSON object: { instances: [...] }')
    .addHelpText(
      'after',
      '\nFilters combine (all must hold); a comma-separated list matches any of its values.',
    )
    .action(async (o: LsOptions) => {
      const query = parseQuery(o);
      // A path is resolved here, where it was typed; a bare name is matched as it is.
      if (query.repo !== undefined && existsSync(query.repo)) query.repo = resolve(query.repo);
      const all = await (await ctx.engine()).listInstances(query);
      if (o.json) {
        printJson({
          instances: all.map((m) => ({
            ...outcomeJson(m, ctx.workspaceOf(m.id)),
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
        const filtered = o.status ?? o.agent ?? o.repo ?? o.since;
        printLine(
          filtered
            ? 'no instances match (corral ls without filters lists them all)'
            : 'no instances (start one with: corral run -- <command>)',
        );
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

function parseQuery(o: LsOptions): InstanceQuery {
  const query: InstanceQuery = { sort: o.sort };
  if (o.status !== undefined) {
    const statuses = list(o.status);
    const unknown = statuses.find((s) => !(instanceStatuses as readonly string[]).includes(s));
    if (unknown !== undefined) {
      throw usage(`--status: no status '${unknown}'.`, `Use ${instanceStatuses.join(', ')}.`);
    }
    query.status = statuses as InstanceStatus[];
  }
  if (o.agent !== undefined) query.agent = list(o.agent);
  if (o.repo !== undefined) query.repo = o.repo;
  if (o.since !== undefined) query.sinceMs = parseSince(o.since);
  if (o.limit !== undefined) {
    const n = Number(o.limit);
    if (!Number.isSafeInteger(n) || n < 1) {
      throw usage(
        `--limit: '${o.limit}' is not a positive whole number.`,
        'For example --limit 20.',
      );
    }
    query.limit = n;
  }
  return query;
}

function list(value: string): string[] {
  return value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
}

/** A duration back from now, or a date (ISO 8601, e.g. 2025-06-01 or 2025-06-01T12:00Z). */
function parseSince(value: string): number {
  const ms = parseDurationMs(value);
  if (ms !== undefined) return Date.now() - ms;
  const at = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : NaN;
  if (Number.isFinite(at)) return at;
  throw usage(
    `--since: '${value}' is neither a duration nor a date.`,
    'Use a duration such as 30m, 2h or 7d, or an ISO date such as 2025-06-01.',
  );
}

function ago(iso: string): string {
  return `${formatDurationMs(Date.now() - Date.parse(iso))} ago`;
}

export function printTable(head: string[], rows: string[][]): void {
  for (const line of alignColumns([head, ...rows])) printLine(line);
}
