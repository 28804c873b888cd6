/**
 * What an instance tried to reach, for `corral policy`: its gateway's egress.log (the last
 * 1 MiB of it) summed up per host and port, allowed and denied apart, most recent first.
 */
import { open } from 'node:fs/promises';
import { EgressRecord } from '../protocol/egress-record.js';

const tailBytes = 1024 * 1024;

export interface EgressAttempts {
  host: string;
  port: number;
  allowed: boolean;
  count: number;
  /** When the last of them started (ISO 8601). */
  last: string;
  /** Why the last one was denied, or why it failed though allowed (null: it went through). */
  reason: string | null;
}

async function readTail(path: string): Promise<string> {
  const handle = await open(path, 'r').catch(() => null);
  if (!handle) return '';
  try {
    const { size } = await handle.stat();
    const start = Math.max(0, size - tailBytes);
    const buffer = Buffer.alloc(size - start);
    await handle.read(buffer, 0, buffer.length, start);
    const text = buffer.toString('utf8');
    // A cut first line is not a record.
    return start > 0 ? text.slice(text.indexOf('\n') + 1) : text;
  } finally {
    await handle.close();
  }
}

export async function loadEgressAttempts(egressLog: string): Promise<EgressAttempts[]> {
  const byKey = new Map<string, EgressAttempts>();
  for (const line of (await readTail(egressLog)).split('\n')) {
    if (!line) continue;
    let record: EgressRecord;
    try {
      const parsed = EgressRecord.safeParse(JSON.parse(line));
      if (!parsed.success) continue;
      record = parsed.data;
    } catch {
      continue;
    }
    const key = `${record.allowed}|${record.host}|${record.port}`;
    const seen = byKey.get(key);
    if (seen) {
      seen.count++;
      seen.last = record.ts;
      seen.reason = record.reason;
    } else {
      byKey.set(key, {
        host: record.host,
        port: record.port,
        allowed: record.allowed,
        count: 1,
        last: record.ts,
        reason: record.reason,
      });
    }
  }
  return [...byKey.values()].sort((a, b) => b.last.localeCompare(a.last));
}
