/**
 * Watching an instance while it runs, as a user does from a second terminal: `corral
 * attach` replays what it printed, follows what comes next, and detaches on Ctrl-C with
 * the instance still running; `corral logs -f --json` streams its events as NDJSON until
 * it ends; `corral diff --stat` summarizes the work live (computed in the sandbox) and
 * the same after the end (from the branch). `CORRAL_TRACE=1` shows where a run's time
 * goes, phase by phase. The test paces the command through files it creates in the
 * workspace, so every "later" is a state, not a delay.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cliPath, corral, makeHome, waitFor } from '../helpers/cli.js';
import { makeRepo } from '../helpers/git-repo.js';

/** A `corral` child whose output the test reads as it comes. */
function watch(home: string, args: string[]) {
  const child = spawn(process.execPath, [cliPath, ...args], {
    env: { ...process.env, CORRAL_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const seen = { stdout: '', stderr: '' };
  child.stdout.on('data', (b: Buffer) => (seen.stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (seen.stderr += b.toString()));
  const exited = once(child, 'exit') as Promise<[number | null]>;
  return { child, seen, exited };
}

const children: ChildProcess[] = [];
/** Instances to remove if a test fails halfway (they wait for a file that never comes). */
const running: Array<{ home: string; id: string }> = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  for (const r of running.splice(0)) await corral(r.home, ['rm', '--force', r.id]);
});

const until = (what: string, check: () => boolean) =>
  waitFor(what, () => Promise.resolve(check() ? true : undefined), 60_000);

describe.each(['local', 'docker'])('following a running instance (%s)', (backend) => {
  it('attach replays, follows and detaches; logs -f --json streams the events to the end; diff --stat live and after', async () => {
    const home = await makeHome();
    const repo = await makeRepo({ 'README.md': '# readme\n' });
    // Prints, then waits for `go` (the test's "now"), prints again, waits for `end`.
    const script = [
      'printf "a\\nb\\n" > new.txt; echo more >> README.md; echo before',
      'while [ ! -e .go ]; do sleep 0.1; done; rm .go; echo after',
      'while [ ! -e .end ]; do sleep 0.1; done; rm .end; echo done',
    ].join('\n');
    const started = await corral(
      home,
      ['run', '--backend', backend, '-d', '--', 'sh', '-c', script],
      { cwd: repo.dir },
    );
    expect(started.code, started.stderr).toBe(0);
    const id = started.stdout.trim();
    running.push({ home, id });
    const workspace = join(home, 'instances', id, 'workspace');
    const output = () => readFile(join(home, 'instances', id, 'output.log'), 'utf8');
    await waitFor('the first line', async () =>
      (await output().catch(() => '')).includes('before') ? true : undefined,
    );

    // Live: the work so far, summarized in the sandbox.
    const stat = ' README.md | 1 +\n new.txt   | 2 ++\n 2 files changed, 3 insertions(+)\n';
    const live = await corral(home, ['diff', id, '--stat']);
    expect(live.code, live.stderr).toBe(0);
    expect(live.stdout).toBe(stat);
    const liveJson = await corral(home, ['diff', id, '--stat', '--json']);
    expect(liveJson.json<{ files: unknown[] }>().files).toEqual([
      { path: 'README.md', added: 1, deleted: 0 },
      { path: 'new.txt', added: 2, deleted: 0 },
    ]);

    const attach = watch(home, ['attach', id]);
    const events = watch(home, ['logs', id, '-f', '--json']);
    children.push(attach.child, events.child);
    await until('attach to replay', () => attach.seen.stdout.includes('before\n'));
    expect(attach.seen.stdout).not.toContain('after');
    await writeFile(join(workspace, '.go'), '');
    await until('attach to follow', () => attach.seen.stdout.includes('after\n'));
    await until('logs -f to follow', () => events.seen.stdout.includes('"after"'));

    // Ctrl-C detaches; the instance goes on.
    attach.child.kill('SIGINT');
    const [attachCode] = await attach.exited;
    expect(attachCode, attach.seen.stderr).toBe(0);
    expect(attach.seen.stderr).toContain(`corral: detached from ${id}; it is still running`);
    const ls = await corral(home, ['ls', '--json']);
    expect(
      ls.json<{ instances: Array<{ id: string; status: string }> }>().instances,
    ).toContainEqual(expect.objectContaining({ id, status: 'running' }));
    expect(events.child.exitCode).toBeNull();

    // Attached again until it ends: everything replayed, then its outcome.
    const again = watch(home, ['attach', id, '--json']);
    children.push(again.child);
    await until('the second attach to replay', () => again.seen.stderr.includes('after\n'));
    await writeFile(join(workspace, '.end'), '');
    const [againCode] = await again.exited;
    expect(againCode, again.seen.stderr).toBe(0);
    expect(again.seen.stderr.match(/^(before|after|done)$/gm)).toEqual(['before', 'after', 'done']);
    expect(JSON.parse(again.seen.stdout)).toMatchObject({ id, status: 'succeeded', exitCode: 0 });

    // logs -f --json ended by itself, one event a line, the end last.
    const [eventsCode] = await events.exited;
    expect(eventsCode, events.seen.stderr).toBe(0);
    const lines = events.seen.stdout.trim().split('\n');
    const parsed = lines.map((l) => JSON.parse(l) as { type: string; line?: string });
    expect(parsed.filter((e) => e.type === 'raw').map((e) => e.line)).toEqual([
      'before',
      'after',
      'done',
    ]);
    expect(parsed.at(0)?.type).toBe('instance.created');
    expect(parsed.at(-1)?.type).toBe('instance.ended');

    // After the end: the same summary, from the branch.
    const after = await corral(home, ['diff', id, '--stat']);
    expect(after.code, after.stderr).toBe(0);
    expect(after.stdout).toBe(stat);
  });
});

describe('CORRAL_TRACE', () => {
  it('prints where the time of a run goes, phase by phase, and nothing without it', async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    const traced = await corral(home, ['run', '--backend', 'local', '--', 'true'], {
      cwd: repo.dir,
      env: { CORRAL_TRACE: '1' },
    });
    expect(traced.code, traced.stderr).toBe(0);
    const phases = [...traced.stderr.matchAll(/^\[trace\] (.+?) +(\d+\.\d) ms$/gm)].map(
      (m) => m[1],
    );
    expect(phases).toEqual(
      expect.arrayContaining([
        'snapshot',
        'clone',
        'sandbox started',
        'command ran',
        'bring-back',
        'sandbox stopped',
      ]),
    );
    expect(phases.indexOf('snapshot')).toBeLessThan(phases.indexOf('sandbox started'));
    expect(phases.indexOf('command ran')).toBeLessThan(phases.indexOf('bring-back'));

    const quiet = await corral(home, ['run', '--backend', 'local', '--', 'true'], {
      cwd: repo.dir,
      env: { CORRAL_TRACE: '' },
    });
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stderr).not.toContain('[trace]');
  });
});
