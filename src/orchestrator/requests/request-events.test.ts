/**
 * The supervisor's request events: each request is opened once and answered once, across
 * restarts of the supervisor (the cursor file), and a request logged just before the end
 * is caught by close().
 */
import { appendFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getInstancePaths } from '../../state/index.js';
import { followRequestEvents, type RequestEvent } from './request-events.js';
import { getRequestFiles } from './request-files.js';

let home: string;
const paths = () => getInstancePaths(home, 'claude-k3x9q');
const files = () => getRequestFiles(paths());
const ts = '2026-01-01T00:00:00.000Z';
const line = (n: number, name: string) =>
  `${JSON.stringify({ n, ts, kind: 'host', name, why: `need ${name}` })}\n`;

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'corral-request-events-'));
  await mkdir(join(paths().dir, 'policy'), { recursive: true });
});
afterEach(() => rm(home, { recursive: true, force: true }));

async function run(during: () => Promise<void> = () => Promise.resolve()) {
  const seen: RequestEvent[] = [];
  const follower = followRequestEvents({
    paths: paths(),
    push: (e) => seen.push(e),
    pollMs: 60_000,
  });
  await during();
  await follower.close();
  return seen.map(
    (e) => `${e.type} ${e.n}${e.type === 'request.answered' ? ` ${e.decision}` : ''}`,
  );
}

describe('followRequestEvents', () => {
  it('emits each request and each answer once, across supervisor runs', async () => {
    await writeFile(files().log, line(1, 'a.test'));
    // Logged while it runs, caught by the final scan.
    expect(await run(() => appendFile(files().log, line(2, 'b.test')))).toEqual([
      'request.opened 1',
      'request.opened 2',
    ]);
    // Answered while it was stopped: emitted when it runs next; the old requests are not.
    await writeFile(
      files().answers,
      JSON.stringify({
        answers: { '2': { decision: 'rejected', at: ts, by: 'ana', reason: 'no' } },
      }),
    );
    expect(await run()).toEqual(['request.answered 2 rejected']);
    expect(await run()).toEqual([]);
  });

  it('does nothing for an instance without requests', async () => {
    expect(await run()).toEqual([]);
  });
});
