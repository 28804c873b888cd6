/**
 * `corral run` end to end on both backends, through the built CLI: the branch, the files
 * on it, the exit code, the state dir and the events — what a user observes.
 */
import { access, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { corral, makeHome, waitFor } from '../helpers/cli.js';
import { makeLooseRepo, makeRepo } from '../helpers/git-repo.js';

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

interface Outcome {
  id: string;
  status: string;
  exitCode: number | null;
  branch: string;
  commit: string | null;
  backend: string;
  workspace: string | null;
  message: string | null;
}

describe.each(['docker', 'local'])('corral run --backend %s', (backend) => {
  it('runs on a copy with uncommitted changes and brings the work back as a branch', async () => {
    const home = await makeHome();
    const repo = await makeRepo({ 'README.md': '# readme\n', 'src/a.txt': 'a\n' });
    await repo.write('src/a.txt', 'a, uncommitted\n');
    await repo.write('notes.txt', 'untracked\n');
    const r = await corral(
      home,
      [
        'run',
        '--backend',
        backend,
        '--json',
        '--',
        'sh',
        '-c',
        'echo hi >> README.md && echo to-stdout && echo to-stderr >&2',
      ],
      { cwd: repo.dir },
    );
    expect(r.code, r.stderr).toBe(0);
    const out = r.json<Outcome>();
    expect(out).toMatchObject({ status: 'succeeded', exitCode: 0, backend, workspace: null });
    expect(out.id).toMatch(/^shell-[a-z0-9]{5}$/);
    expect(out.branch).toBe(`corral/${out.id}`);
    expect(repo.show(out.branch, 'README.md')).toBe('# readme\nhi\n');
    expect(repo.show(out.branch, 'src/a.txt')).toBe('a, uncommitted\n');
    expect(repo.show(out.branch, 'notes.txt')).toBe('untracked\n');
    expect(
      repo
        .git('log', '-1', '--format=%an%n%(trailers:key=Corral-Instance,valueonly)', out.branch)
        .trim(),
    ).toBe(`corral (shell)\n${out.id}`);
    // The developer's own checkout is untouched.
    expect(repo.git('status', '--porcelain')).toContain('notes.txt');
    expect(repo.git('rev-parse', '--abbrev-ref', 'HEAD').trim()).toBe('main');
    const dir = join(home, 'instances', out.id);
    expect(await readFile(join(dir, 'output.log'), 'utf8')).toContain('to-stdout');
    const metadata = JSON.parse(await readFile(join(dir, 'metadata.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(metadata).toMatchObject({
      schemaVersion: 1,
      status: 'succeeded',
      backend,
      workspaceRemoved: true,
    });
    const events = (await readFile(join(dir, 'events.ndjson'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; line?: string; stream?: string });
    expect(events.map((e) => e.type)).toEqual([
      'instance.created',
      'instance.started',
      'raw',
      'raw',
      'process.exited',
      'bring-back.done',
      'instance.ended',
    ]);
    // The shell agent's output lines are kept as raw events, each with its stream.
    expect(events.filter((e) => e.type === 'raw').map((e) => [e.stream, e.line])).toEqual(
      expect.arrayContaining([
        ['stdout', 'to-stdout'],
        ['stderr', 'to-stderr'],
      ]),
    );
    expect(await exists(join(dir, 'workspace'))).toBe(false);

    // For people: the commit was made in the sandbox, on the branch, not in the user's tree.
    const human = await corral(
      home,
      ['run', '--backend', backend, '--', 'sh', '-c', 'echo x > y'],
      {
        cwd: repo.dir,
      },
    );
    expect(human.stderr).toMatch(
      /branch corral\/shell-[a-z0-9]{5} at [0-9a-f]{12} in \S+ \(the work left uncommitted in the sandbox is committed on it\)/,
    );
  });

  it("passes the command's exit code through and says plainly when the command is missing", async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    const failed = await corral(
      home,
      ['run', '--backend', backend, '--', 'sh', '-c', 'echo partial > partial.txt; exit 7'],
      { cwd: repo.dir },
    );
    expect(failed.code).toBe(7);
    expect(failed.stderr).toContain('failed (exit 7)');
    const id = /corral\/(shell-[a-z0-9]{5})/.exec(failed.stderr)?.[1];
    expect(repo.show(`corral/${id}`, 'partial.txt')).toBe('partial\n');

    const missing = await corral(
      home,
      ['run', '--backend', backend, '--', 'no-such-tool-xyz', '--flag'],
      { cwd: repo.dir },
    );
    expect(missing.code).toBe(127);
    expect(missing.stderr).toContain('command not found in the sandbox: no-such-tool-xyz');
    // Not a line that reads like corral's own ("corral: 25: …: not found").
    expect(missing.stderr).toContain('no-such-tool-xyz: command not found in the sandbox\n');
    expect(missing.stderr).not.toMatch(/^corral: \d+:/m);

    // Through a shell, the hint names what was missing, not the shell.
    const nested = await corral(
      home,
      ['run', '--backend', backend, '--', 'sh', '-c', 'echo building; no-such-runner-xyz test'],
      { cwd: repo.dir },
    );
    expect(nested.code).toBe(127);
    expect(nested.stderr).toContain('command not found in the sandbox: no-such-runner-xyz');
  });

  it('stops at --timeout, marks the instance timed-out and keeps the work', async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    const r = await corral(
      home,
      [
        'run',
        '--backend',
        backend,
        '--timeout',
        '2s',
        '--json',
        '--',
        'sh',
        '-c',
        'echo before > before.txt; sleep 120',
      ],
      { cwd: repo.dir },
    );
    expect(r.code).toBe(124);
    const out = r.json<Outcome>();
    expect(out.status).toBe('timed-out');
    expect(repo.show(out.branch, 'before.txt')).toBe('before\n');
  });

  it('cancels on Ctrl-C, keeping the work', async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    const r = await corral(
      home,
      [
        'run',
        '--backend',
        backend,
        '--json',
        '--',
        'sh',
        '-c',
        'echo kept > kept.txt; echo ready; sleep 120',
      ],
      {
        cwd: repo.dir,
        onSpawn: (child) => {
          let seen = '';
          child.stderr?.on('data', (b: Buffer) => {
            seen += b.toString();
            if (seen.includes('ready')) {
              seen = '';
              child.kill('SIGINT');
            }
          });
        },
      },
    );
    expect(r.code).toBe(130);
    const out = r.json<Outcome>();
    expect(out.status).toBe('canceled');
    expect(repo.show(out.branch, 'kept.txt')).toBe('kept\n');
  });

  it('detaches, lists, follows logs and stops; --keep then resume continues on the same branch', async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    const started = await corral(
      home,
      [
        'run',
        '--backend',
        backend,
        '--detach',
        '--keep',
        '--name',
        `bg-${backend}`,
        '--',
        'sh',
        '-c',
        'echo one > a.txt; echo started; sleep 120',
      ],
      { cwd: repo.dir },
    );
    expect(started.code, started.stderr).toBe(0);
    const id = started.stdout.trim();
    expect(id).toMatch(/^shell-[a-z0-9]{5}$/);
    await waitFor('output', async () =>
      (await readFile(join(home, 'instances', id, 'output.log'), 'utf8').catch(() => '')).includes(
        'started',
      )
        ? true
        : undefined,
    );
    const ls = await corral(home, ['ls', '--json']);
    const listed = ls.json<{ instances: Array<{ id: string; status: string; name: string }> }>()
      .instances;
    expect(listed.find((i) => i.id === id)).toMatchObject({
      status: 'running',
      name: `bg-${backend}`,
    });
    const logs = await corral(home, ['logs', `bg-${backend}`]);
    expect(logs.stdout).toContain('started');

    const follower = corral(home, ['logs', '-f', id]);
    const stopped = await corral(home, ['stop', id, '--json']);
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(stopped.json<Outcome>()).toMatchObject({ status: 'canceled' });
    const followed = await follower;
    expect(followed.code).toBe(0);
    expect(followed.stdout).toContain('started');
    expect(repo.show(`corral/${id}`, 'a.txt')).toBe('one\n');

    const resumed = await corral(
      home,
      ['resume', id, '--json', '--', 'sh', '-c', 'echo two >> a.txt'],
      { cwd: repo.dir },
    );
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.json<Outcome>()).toMatchObject({ id, status: 'succeeded' });
    expect(repo.show(`corral/${id}`, 'a.txt')).toBe('one\ntwo\n');
    const diff = await corral(home, ['diff', id, '--json']);
    expect(diff.json<{ files: Array<{ path: string }> }>().files.map((f) => f.path)).toEqual([
      'a.txt',
    ]);
    const rm = await corral(home, ['rm', id]);
    expect(rm.code).toBe(0);
    expect(await exists(join(home, 'instances', id))).toBe(false);
    expect(repo.branchExists(`corral/${id}`)).toBe(true);
  });

  it('runs two instances on the same repository at once without collision', async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    const [a, b] = await Promise.all([
      corral(
        home,
        ['run', '--backend', backend, '--json', '--', 'sh', '-c', 'echo a > who.txt; sleep 1'],
        { cwd: repo.dir },
      ),
      corral(
        home,
        ['run', '--backend', backend, '--json', '--', 'sh', '-c', 'echo b > who.txt; sleep 1'],
        { cwd: repo.dir },
      ),
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const [oa, ob] = [a.json<Outcome>(), b.json<Outcome>()];
    expect(oa.id).not.toBe(ob.id);
    expect(repo.show(oa.branch, 'who.txt')).toBe('a\n');
    expect(repo.show(ob.branch, 'who.txt')).toBe('b\n');
  });

  it('brings the branch back even when the source repository changed meanwhile', async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    const base = repo.git('rev-parse', 'HEAD').trim();
    let stderr = '';
    // The command waits, mid-run, for the test to say the source has moved on (a file in
    // its clone's .git, which is never part of the work).
    const run = corral(
      home,
      [
        'run',
        '--backend',
        backend,
        '--json',
        '--',
        'sh',
        '-c',
        'echo work > work.txt; echo started >&2; while [ ! -f .git/go ]; do sleep 0.1; done; cat .git/go > after.txt',
      ],
      {
        cwd: repo.dir,
        onSpawn: (c) => c.stderr?.on('data', (b: Buffer) => (stderr += b.toString())),
      },
    );
    await waitFor('the command to start', () =>
      Promise.resolve(stderr.includes('started') ? true : undefined),
    );
    const id = /corral: (\S+) on /.exec(stderr)![1]!;
    await repo.write('main.txt', 'moved on\n');
    repo.git('add', '-A');
    repo.git('commit', '-qm', 'main moved');
    repo.git('checkout', '-qb', 'elsewhere');
    await writeFile(join(home, 'instances', id, 'workspace', '.git', 'go'), 'moved\n');
    const r = await run;
    expect(r.code, r.stderr).toBe(0);
    const { branch } = r.json<Outcome>();
    expect(repo.show(branch, 'work.txt')).toBe('work\n');
    // It ran on past the change: what it wrote after hearing of it is on the branch too.
    expect(repo.show(branch, 'after.txt')).toBe('moved\n');
    expect(repo.git('merge-base', branch, 'main').trim()).toBe(base);
    expect(repo.git('rev-parse', '--abbrev-ref', 'HEAD').trim()).toBe('elsewhere');
  });
});

it('clones a repository of many loose objects through the home’s object cache', async () => {
  const home = await makeHome();
  const repo = await makeLooseRepo();
  const run = async (script: string) => {
    const r = await corral(
      home,
      ['run', '--backend', 'local', '--json', '--', 'sh', '-c', script],
      {
        cwd: repo.dir,
      },
    );
    expect(r.code, r.stderr).toBe(0);
    return r.json<Outcome>().branch;
  };
  const first = await run('cat src/f299.txt > seen.txt');
  expect(repo.show(first, 'seen.txt')).toBe('file 299\n');
  const caches = join(home, 'cache', 'objects');
  const [cache] = await readdir(caches);
  const packs = async () =>
    (await readdir(join(caches, cache!, 'objects', 'pack'))).filter((n) => n.endsWith('.pack'));
  expect(await packs()).toHaveLength(1);
  // A new commit: the next instance sees it, fetched into the cache as a second pack.
  await repo.write('src/f0.txt', 'changed\n');
  repo.git('commit', '-qam', 'change f0');
  const second = await run('cat src/f0.txt > seen.txt');
  expect(repo.show(second, 'seen.txt')).toBe('changed\n');
  expect(await packs()).toHaveLength(2);
});
