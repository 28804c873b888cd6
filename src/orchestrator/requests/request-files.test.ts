/**
 * The host reads requests.log as untrusted input: only valid, canonical records numbered
 * 1, 2, 3… count; oversized, torn, forged or terminal-rewriting lines are skipped and
 * counted; the read is bounded; nothing else happens with them. The answers file is read
 * strictly.
 */
import { appendFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { maxRequests } from '../../gateway/policy.js';
import { getInstancePaths } from '../../state/index.js';
import { loadInstanceRequests, findInstanceRequest } from './instance-requests.js';
import {
  getRequestFiles,
  loadRequestAnswers,
  loadRequestLog,
  maxLogBytes,
} from './request-files.js';

let home: string;
const id = 'claude-k3x9q';
const paths = () => getInstancePaths(home, id);
const files = () => getRequestFiles(paths());
const ts = '2026-01-01T00:00:00.000Z';
const line = (record: Record<string, unknown>) => `${JSON.stringify(record)}\n`;

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'corral-requests-'));
  await mkdir(join(paths().dir, 'policy'), { recursive: true });
});
afterEach(() => rm(home, { recursive: true, force: true }));

describe('loadRequestLog', () => {
  it('keeps valid records and skips hostile lines', async () => {
    const lines = [
      line({ n: 1, ts, kind: 'host', name: 'example.test', why: 'fixtures' }),
      'not json at all\n',
      `${'{"n":2,"why":"'.padEnd(20_000, 'x')}"}\n`,
      // Forged numbers: out of sequence, repeated, absurd.
      line({ n: 7, ts, kind: 'host', name: 'forged.test', why: 'skip the queue' }),
      line({ n: 1, ts, kind: 'host', name: 'again.test', why: 'same number' }),
      line({ n: -1, ts, kind: 'host', name: 'neg.test', why: 'x' }),
      // Not what the gateway writes: control characters, a non-canonical or bad name,
      // a shell payload as a package, an extra field, a wrong type.
      line({ n: 2, ts, kind: 'host', name: 'esc.test', why: 'hi\u001b[2J' }),
      line({ n: 2, ts, kind: 'host', name: 'Upper.TEST', why: 'x' }),
      line({ n: 2, ts, kind: 'package', name: "apt:jq'; rm -rf /", why: 'x' }),
      line({ n: 2, ts, kind: 'package', name: 'jq', why: 'x' }),
      line({ n: 2, ts, kind: 'host', name: 'x.test', why: 'x', run: 'id' }),
      line({ n: '2', ts, kind: 'host', name: 'x.test', why: 'x' }),
      line({ n: 2, ts: 'yesterday', kind: 'host', name: 'x.test', why: 'x' }),
      line({ n: 2, ts, kind: 'package', name: 'apt:jq', why: 'parse JSON' }),
      '{"n":3,"ts":"2026-01-01T00:00:00.000Z","kind":"ho', // torn last line
    ];
    await writeFile(files().log, lines.join(''));
    const { records, skipped } = await loadRequestLog(files().log);
    expect(records.map((r) => [r.n, r.name])).toEqual([
      [1, 'example.test'],
      [2, 'apt:jq'],
    ]);
    expect(skipped).toBe(lines.length - 2);
  });

  it('reads a bounded head of the file and at most the request limit', async () => {
    let text = '';
    for (let n = 1; n <= maxRequests + 20; n++) {
      text += line({ n, ts, kind: 'host', name: `h${n}.test`, why: 'many' });
    }
    await writeFile(files().log, text);
    await appendFile(files().log, 'x'.repeat(maxLogBytes * 2));
    const { records } = await loadRequestLog(files().log);
    expect(records).toHaveLength(maxRequests);
  });

  it('is empty when there is no log', async () => {
    expect(await loadRequestLog(files().log)).toEqual({ records: [], skipped: 0 });
  });
});

describe('loadInstanceRequests', () => {
  it('joins records with answers; a broken answers file is an error, not an empty one', async () => {
    await writeFile(
      files().log,
      line({ n: 1, ts, kind: 'host', name: 'example.test', why: 'fixtures' }) +
        line({ n: 2, ts, kind: 'package', name: 'apt:jq', why: 'parse JSON' }),
    );
    await writeFile(
      files().answers,
      JSON.stringify({
        answers: { '1': { decision: 'approved', at: ts, by: 'ana', reason: null } },
      }),
    );
    const { requests } = await loadInstanceRequests(id, paths());
    expect(requests.map((r) => [r.n, r.status])).toEqual([
      [1, 'approved'],
      [2, 'pending'],
    ]);
    await expect(findInstanceRequest(id, paths(), 3)).rejects.toMatchObject({
      code: 'REQUEST_NOT_FOUND',
    });
    await writeFile(files().answers, '{"answers": {"1": {"decision": "maybe"}}}');
    await expect(loadRequestAnswers(files().answers)).rejects.toMatchObject({
      code: 'IO_ERROR',
    });
  });
});
