/**
 * What `ls` (and later the API and the dashboard) can ask of the index: filters on the
 * columns it has, a sort, a limit; turned into one SQL statement with parameters. A sort
 * always ends on created (newest first) then id, so equal keys come out in the same
 * order every time — the order `ls` had before the index.
 */
import { instanceStatuses, type InstanceStatus } from '../state/index.js';

export const instanceSorts = ['created', 'started', 'ended', 'status', 'agent'] as const;
export type InstanceSort = (typeof instanceSorts)[number];

export interface InstanceQuery {
  /** Any of these statuses. */
  status?: readonly InstanceStatus[];
  /** Any of these agents. */
  agent?: readonly string[];
  /** A source repository: its path (as recorded), or its directory name. */
  repo?: string;
  /** Created at or after this time (ms since the epoch). */
  sinceMs?: number;
  /**
   * created (default), started or ended: newest first, those without the time last;
   * status: in lifecycle order (created, running, succeeded, failed, canceled, timed-out,
   * lost); agent: by name.
   */
  sort?: InstanceSort;
  limit?: number;
}

export interface CompiledQuery {
  sql: string;
  params: Array<string | number>;
}

const statusRank = `CASE status ${instanceStatuses.map((s, i) => `WHEN '${s}' THEN ${i}`).join(' ')} ELSE ${instanceStatuses.length} END`;

const orderBy: Record<InstanceSort, string> = {
  created: 'created_at DESC, id',
  started: 'started_at IS NULL, started_at DESC, created_at DESC, id',
  ended: 'ended_at IS NULL, ended_at DESC, created_at DESC, id',
  status: `${statusRank}, created_at DESC, id`,
  agent: 'agent, created_at DESC, id',
};

/** The SELECT of the records that answer `query`, in its order. */
export function compileInstanceQuery(query: InstanceQuery): CompiledQuery {
  const where: string[] = [];
  const params: Array<string | number> = [];
  const anyOf = (column: string, values: readonly string[]) => {
    where.push(`${column} IN (${values.map(() => '?').join(', ')})`);
    params.push(...values);
  };
  if (query.status) anyOf('status', query.status);
  if (query.agent) anyOf('agent', query.agent);
  if (query.repo !== undefined) {
    where.push('(repo = ? OR repo_name = ?)');
    params.push(query.repo, query.repo);
  }
  if (query.sinceMs !== undefined) {
    where.push('created_at >= ?');
    params.push(query.sinceMs);
  }
  const sql =
    'SELECT record, record_format FROM instances' +
    (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
    ` ORDER BY ${orderBy[query.sort ?? 'created']}` +
    (query.limit !== undefined ? ' LIMIT ?' : '');
  if (query.limit !== undefined) params.push(query.limit);
  return { sql, params };
}
