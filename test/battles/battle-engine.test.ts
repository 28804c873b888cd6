/**
 * A battle as the engine hosts it (docker backend, scripted contestants): its `battle.*`
 * events are in the engine's joint stream (`GET /v1/events`) beside its runs' events and in
 * `corral battle logs`; it is listed from the index; and an engine killed with `kill -9` in
 * the middle of it loses nothing: the watching command says it was interrupted, the next
 * engine has marked it so, and `battle resume` finishes it, each contestant having run once.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { corral, makeHome, waitFor } from '../helpers/cli.js';
import { findEngines, killEnginesAndWait, openSse, type SseMessage } from '../helpers/engine.js';
import { makeRepo, type TestRepo } from '../helpers/git-repo.js';

const battleFile = (seconds: number) =>
  [
    'test: node --test',
    'contestants:',
    '  - name: fix',
    '    agent: shell',
    `    command: "sleep ${seconds}; sed -i 's/day + 2/day + 1/' src/date.js"`,
    '  - name: noop',
    '    agent: shell',
    `    command: "sleep ${seconds}"`,
  ].join('\n');

function datesRepo(): Promise<TestRepo> {
  return makeRepo({
    'src/date.js': 'export function nextDay(day) {\n  return day + 2;\n}\n',
    'test/date.test.js': [
      "import { test } from 'node:test';",
      "import assert from 'node:assert/strict';",
      "import { nextDay } from '../src/date.js';",
      "test('next day adds one', () => assert.equal(nextDay(1), 2));",
      '',
    ].join('\n'),
  });
}

interface Entry {
  gseq: number;
  event: { type: string; id: string; name?: string; step?: string; status?: string };
}

describe('battles hosted by the engine (docker)', () => {
  let home: string;
  beforeAll(async () => {
    home = await makeHome();
  });

  it('puts its battle.* events in the joint stream, its logs, and the index', async () => {
    const repo = await datesRepo();
    await repo.write('battle.yml', battleFile(1));
    // The engine first (a command that asks it something starts it), then a follower of
    // every event from now on.
    expect((await corral(home, ['ls'])).code).toBe(0);
    const entries: Entry[] = [];
    const stream = openSse(home, '/v1/events?after=-1', {}, (m: SseMessage) => {
      if (m.event === 'event') entries.push(JSON.parse(m.data) as Entry);
    });
    await stream.response;
    const r = await corral(home, ['battle', '-f', join(repo.dir, 'battle.yml'), '--json'], {
      cwd: repo.dir,
      timeoutMs: 240_000,
    });
    expect(r.code, r.stderr).toBe(0);
    const id = r.json<{ id: string; winner: string }>().id;
    expect(r.json<{ winner: string }>().winner).toBe('fix');

    await waitFor('the ranking in the joint stream', () =>
      Promise.resolve(entries.some((e) => e.event.type === 'battle.ranked') || undefined),
    );
    stream.req.destroy();
    const battle = entries.filter((e) => e.event.id === id).map((e) => e.event);
    const steps = battle.map((e) =>
      e.type === 'battle.contestant' ? `${e.name} ${e.step}` : `${e.type} ${e.status ?? ''}`.trim(),
    );
    expect(steps[0]).toBe('battle.status running');
    for (const step of ['fix started', 'noop started', 'fix ended', 'fix graded', 'base graded'])
      expect(steps).toContain(step);
    expect(steps.slice(-2)).toEqual(['battle.status graded', 'battle.ranked']);
    // Beside the contestants' own events, in one order (gseq rising).
    const contestantEvents = entries.filter((e) => e.event.id.startsWith('shell-'));
    expect(contestantEvents.length).toBeGreaterThan(0);
    const gseqs = entries.map((e) => e.gseq);
    expect(gseqs).toEqual([...gseqs].sort((a, b) => a - b));

    const logs = await corral(home, ['battle', 'logs', id]);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toMatch(/fix: started/);
    expect(logs.stdout).toMatch(/ranked: 1\. fix, 2\. noop/);
    const fixLogs = await corral(home, ['battle', 'logs', id, 'fix']);
    expect(fixLogs.code, fixLogs.stderr).toBe(0);
    const missing = await corral(home, ['battle', 'logs', id, 'nobody']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/has no contestant 'nobody'/);

    const ls = await corral(home, ['battle', 'ls', '--json']);
    expect(ls.json<{ battles: Array<{ id: string; status: string }> }>().battles).toContainEqual(
      expect.objectContaining({ id, status: 'graded' }),
    );
  }, 300_000);

  it('survives its engine killed (kill -9) mid-battle: interrupted, then resumed to the end', async () => {
    const repo = await datesRepo();
    await repo.write('slow.yml', battleFile(10));
    let seen = '';
    let killed: number[] = [];
    const watched = await corral(home, ['battle', '-f', join(repo.dir, 'slow.yml'), '--json'], {
      cwd: repo.dir,
      timeoutMs: 240_000,
      onSpawn: (child) => {
        child.stderr?.on('data', (chunk: Buffer) => {
          seen += chunk.toString();
          if (killed.length === 0 && (seen.match(/: running \(/g) ?? []).length >= 2) {
            killed = findEngines(home);
            void killEnginesAndWait(home);
          }
        });
      },
    });
    expect(killed.length).toBe(1);
    // The command watched an engine that died: it says so, and how to go on.
    expect(watched.code, watched.stderr).toBe(130);
    const stopped = watched.json<{ id: string; status: string }>();
    expect(stopped.status).toBe('interrupted');
    expect(watched.stderr).toMatch(/corral battle resume battle-[a-z0-9]{5} goes on/);

    const again = await corral(home, ['battle', 'resume', stopped.id, '--json'], {
      cwd: repo.dir,
      timeoutMs: 240_000,
    });
    expect(again.code, again.stderr).toBe(0);
    expect(again.json<{ status: string; winner: string }>()).toMatchObject({
      status: 'graded',
      winner: 'fix',
    });
    // Each contestant ran once: the new engine took up their runs, the resume found them.
    const ls = await corral(home, ['ls', '--json']);
    const names = ls
      .json<{ instances: Array<{ name: string | null }> }>()
      .instances.map((i) => i.name)
      .filter((n) => n?.startsWith(`${stopped.id}-`) && !n.includes('-g-'));
    expect(names.sort()).toEqual([`${stopped.id}-fix`, `${stopped.id}-noop`]);
  }, 420_000);
});
