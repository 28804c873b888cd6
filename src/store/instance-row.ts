/**
 * The one mapping from an instance record to its row in the index: the columns `ls`
 * filters and sorts on, and the whole record as JSON. Times become milliseconds since
 * the epoch; the task is what `ls` shows in its TASK column (the prompt, else the command).
 */
import { basename } from 'node:path';
import type { Metadata } from '../state/index.js';

export interface InstanceRow {
  id: string;
  name: string | null;
  status: string;
  agent: string;
  backend: string;
  repo: string;
  repo_name: string;
  branch: string;
  task: string;
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
  duration_ms: number | null;
  exit_code: number | null;
  input_tokens: number | null;
  output_tokens: number | null;
  cache_read_tokens: number | null;
  cache_write_tokens: number | null;
  cost_usd: number | null;
  files_changed: number | null;
  record: string;
  record_format: string;
  source_stamp: string | null;
}

export const instanceColumns = [
  'id',
  'name',
  'status',
  'agent',
  'backend',
  'repo',
  'repo_name',
  'branch',
  'task',
  'created_at',
  'started_at',
  'ended_at',
  'duration_ms',
  'exit_code',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'cost_usd',
  'files_changed',
  'record',
  'record_format',
  'source_stamp',
] as const satisfies ReadonlyArray<keyof InstanceRow>;

/** The row of a record checked against the schema whose shape is `format`. */
export function toInstanceRow(m: Metadata, stamp: string | null, format: string): InstanceRow {
  const s = m.summary;
  return {
    id: m.id,
    name: m.name,
    status: m.status,
    agent: m.agent,
    backend: m.backend,
    repo: m.sourceRepo,
    repo_name: basename(m.sourceRepo),
    branch: m.branch,
    task: m.prompt ?? m.command.join(' '),
    // A record with an unreadable creation time sorts as the oldest rather than failing.
    created_at: toMs(m.createdAt) ?? 0,
    started_at: toMs(m.startedAt),
    ended_at: toMs(m.endedAt),
    duration_ms: m.durationMs,
    exit_code: m.exitCode,
    // Token counts are whole numbers; rounding keeps a fractional one from failing the row.
    input_tokens: s ? Math.round(s.inputTokens) : null,
    output_tokens: s ? Math.round(s.outputTokens) : null,
    cache_read_tokens: s ? Math.round(s.cacheReadTokens) : null,
    cache_write_tokens: s ? Math.round(s.cacheWriteTokens) : null,
    cost_usd: s?.costUsd ?? null,
    files_changed: s?.filesChanged ?? null,
    record: JSON.stringify(m),
    record_format: format,
    source_stamp: stamp,
  };
}

function toMs(iso: string | null): number | null {
  if (iso === null) return null;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : null;
}
