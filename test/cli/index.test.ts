/**
 * The instance index through the built CLI: `corral ls` gives the same instances, field
 * for field (reconciled `lost` included), with the index the runs kept current, after the
 * index file is deleted, and after `corral index rebuild`, which also says which state
 * dir it skipped and why. The filters and sorts pick the subsets they promise; bad values
 * are one-line usage errors. An index from a newer corral is refused (exit 7); one that
 * is not a database does not stop `ls`, and `index rebuild` makes it anew.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corral, makeHome, waitFor, type CliResult } from '../helpers/cli.js';
import { killEnginesAndWait } from '../helpers/engine.js';
import { makeRepo, type TestRepo } from '../helpers/git-repo.js';

interface Listed {
  id: string;
  name: string | null;
  status: string;
  exitCode: number | null;
  sourceRepo: string;
  createdAt: string;
}

const ids = (r: CliResult) => r.json<{ instances: Listed[] }>().instances.map((i) => i.id);

let home: string;
let web: TestRepo;
let api: TestRepo;
const made: Record<'wrote' | 'broken' | 'other' | 'lost', string> = {
  wrote: '',
  broken: '',
  other: '',
  lost: '',
};

async function run(repo: TestRepo, args: string[], code = 0): Promise<string> {
  const r = await corral(home, ['run', '--backend', 'local', ...args], { cwd: repo.dir });
  expect(r.code, r.stderr).toBe(code);
  return /corral\/(shell-[a-z0-9]{5})/.exec(r.stdout + r.stderr)![1]!;
}

beforeAll(async () => {
  home = await makeHome();
  web = await makeRepo();
  api = await makeRepo();
  made.wrote = await run(web, ['--', 'sh', '-c', 'echo a > a.txt']);
  made.broken = await run(web, ['--name', 'broken', '--', 'sh', '-c', 'exit 3'], 3);
  made.other = await run(api, ['--', 'sh', '-c', 'echo b > b.txt']);
  // A detached one whose sandbox vanished while no engine watched: shown lost.
  const started = await corral(
    home,
    ['run', '--backend', 'docker', '-d', '--', 'sh', '-c', 'sleep 300'],
    { cwd: api.dir },
  );
  expect(started.code, started.stderr).toBe(0);
  made.lost = started.stdout.trim();
  await waitFor('the command launched', async () => {
    const m = JSON.parse(
      await readFile(join(home, 'instances', made.lost, 'metadata.json'), 'utf8'),
    ) as { status: string; run: { phase: string } | null };
    return m.status === 'running' && m.run?.phase === 'running' ? true : undefined;
  });
  expect((await killEnginesAndWait(home)).length).toBeGreaterThan(0);
  const containers = execFileSync(
    'docker',
    ['ps', '-aq', '--filter', `label=corral.instance=${made.lost}`],
    { encoding: 'utf8' },
  )
    .split('\n')
    .filter(Boolean);
  expect(containers.length).toBeGreaterThan(0);
  execFileSync('docker', ['rm', '-f', ...containers], { stdio: 'ignore' });
  // The next engine takes the run up, finds its sandbox gone, and records it lost.
  await waitFor('the instance lost', async () => {
    const listed = (await corral(home, ['ls', '--json'])).json<{ instances: Listed[] }>();
    return listed.instances.find((i) => i.id === made.lost)?.status === 'lost' ? true : undefined;
  });
  // A state dir whose record cannot be read: ls leaves it out, rebuild says why.
  await mkdir(join(home, 'instances', 'shell-zzzzz'));
  await writeFile(join(home, 'instances', 'shell-zzzzz', 'metadata.json'), '{ "id": ');
});

afterAll(async () => {
  // What is left of the lost instance (its workspace; anything else) gc removes.
  const gc = await corral(home, ['gc', '--json']);
  expect(gc.code, gc.stderr).toBe(0);
  // Its process tree may take a moment to go; none of it may outlive the test.
  const mine = () =>
    spawnSync('pgrep', ['-f', home], { encoding: 'utf8' })
      .stdout.split('\n')
      .filter(Boolean)
      .map(Number);
  try {
    await waitFor('the sandbox of the lost instance to go', () =>
      Promise.resolve(mine().length === 0 ? true : undefined),
    );
  } finally {
    for (const pid of mine()) process.kill(pid, 'SIGKILL');
  }
});

describe('corral ls and the index', () => {
  it('gives the same answer with the index, after deleting it, and after index rebuild', async () => {
    const indexPath = join(home, 'index.sqlite');
    // The runs kept the index current as they wrote their records.
    const db = new BetterSqlite3(indexPath, { readonly: true });
    const rows = db.prepare('SELECT id, status FROM instances ORDER BY id').all();
    db.close();
    expect(rows).toEqual(
      expect.arrayContaining([
        { id: made.wrote, status: 'succeeded' },
        { id: made.broken, status: 'failed' },
        { id: made.other, status: 'succeeded' },
      ]),
    );

    const first = await corral(home, ['ls', '--json']);
    expect(first.code, first.stderr).toBe(0);
    const listed = first.json<{ instances: Listed[] }>().instances;
    expect(listed.map((i) => [i.id, i.status, i.exitCode])).toEqual([
      [made.lost, 'lost', null],
      [made.other, 'succeeded', 0],
      [made.broken, 'failed', 3],
      [made.wrote, 'succeeded', 0],
    ]);
    // Field for field what the state dirs (the truth) say.
    for (const item of listed) {
      const m = JSON.parse(
        await readFile(join(home, 'instances', item.id, 'metadata.json'), 'utf8'),
      ) as Record<string, unknown> & { bringBack: { commit: string | null } | null };
      const fields = Object.keys(item).filter((k) => k in m);
      expect(fields.length).toBeGreaterThan(15);
      expect(Object.fromEntries(fields.map((k) => [k, item[k as keyof Listed]]))).toEqual(
        Object.fromEntries(fields.map((k) => [k, m[k]])),
      );
      expect((item as unknown as { commit: string | null }).commit).toBe(
        m.bringBack?.commit ?? null,
      );
    }

    for (const suffix of ['', '-wal', '-shm']) await rm(indexPath + suffix, { force: true });
    const second = await corral(home, ['ls', '--json']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.json()).toEqual(first.json());
    await stat(indexPath);

    const rebuilt = await corral(home, ['index', 'rebuild', '--json']);
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    expect(rebuilt.json()).toEqual({
      path: indexPath,
      recreated: false,
      indexed: 4,
      skipped: [
        {
          id: 'shell-zzzzz',
          dir: join(home, 'instances', 'shell-zzzzz'),
          reason: expect.stringMatching(/^metadata.json is not valid JSON/) as unknown,
        },
      ],
    });
    const third = await corral(home, ['ls', '--json']);
    expect(third.json()).toEqual(first.json());

    const human = await corral(home, ['index', 'rebuild']);
    expect(human.stdout).toContain(`indexed 4 instances in ${indexPath}`);
    expect(human.stdout).toContain('skipped 1 state dir:');
    expect(human.stdout).toMatch(/shell-zzzzz: metadata.json is not valid JSON/);
  });

  it('filters and sorts', async () => {
    const ls = (...args: string[]) => corral(home, ['ls', '--json', ...args]);
    expect(ids(await ls('--status', 'failed'))).toEqual([made.broken]);
    expect(ids(await ls('--status', 'succeeded,lost'))).toEqual([
      made.lost,
      made.other,
      made.wrote,
    ]);
    expect(ids(await ls('--repo', web.dir))).toEqual([made.broken, made.wrote]);
    // A folder inside the repository names the repository; a bare name is its folder's name.
    await mkdir(join(api.dir, 'sub'));
    expect(ids(await ls('--repo', join(api.dir, 'sub')))).toEqual([made.lost, made.other]);
    expect(ids(await ls('--repo', basename(api.dir)))).toEqual([made.lost, made.other]);
    expect(ids(await ls('--agent', 'shell', '--repo', web.dir, '--status', 'succeeded'))).toEqual([
      made.wrote,
    ]);
    expect(ids(await ls('--agent', 'claude'))).toEqual([]);
    expect(ids(await ls('--since', '1h'))).toHaveLength(4);
    const all = (await ls()).json<{ instances: Listed[] }>().instances;
    const newest = all[0]!.createdAt;
    expect(ids(await ls('--since', newest))).toEqual([made.lost]);
    expect(ids(await ls('--since', '2999-01-01'))).toEqual([]);
    expect(ids(await ls('--sort', 'status'))).toEqual([
      made.other,
      made.wrote,
      made.broken,
      made.lost,
    ]);
    expect(ids(await ls('--sort', 'ended'))[0]).toBe(made.lost);
    expect(ids(await ls('--limit', '1'))).toEqual([made.lost]);

    const none = await corral(home, ['ls', '--agent', 'claude']);
    expect(none.stdout).toContain('no instances match');
    const table = await corral(home, ['ls', '--status', 'failed']);
    expect(table.stdout).toMatch(new RegExp(`${made.broken}\\s+broken\\s+failed`));
    expect(table.stdout).not.toContain(made.wrote);
  });

  it('says what is wrong with a filter, in one line, with exit 2', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--status', 'runing'], /--status: no status 'runing'\. Use created, running, /],
      [['--since', 'yesterday'], /--since: 'yesterday' is neither a duration nor a date/],
      [['--limit', '0'], /--limit: '0' is not a positive whole number/],
      [
        ['--sort', 'size'],
        /argument 'size' is invalid. Allowed choices are created, started, ended, status, agent/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = await corral(home, ['ls', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
    }
  });

  it('lists from the state dirs when the index is not a database; index rebuild makes it anew', async () => {
    const indexPath = join(home, 'index.sqlite');
    const expected = (await corral(home, ['ls', '--json'])).json();
    for (const suffix of ['-wal', '-shm']) await rm(indexPath + suffix, { force: true });
    await writeFile(indexPath, 'not a database '.repeat(200));
    const ls = await corral(home, ['ls', '--json']);
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.json()).toEqual(expected);
    expect(ls.stderr).toContain(`the index ${indexPath} cannot be used (file is not a database)`);
    const rebuilt = await corral(home, ['index', 'rebuild', '--json']);
    expect(rebuilt.json()).toMatchObject({ recreated: true, indexed: 4 });
    const after = await corral(home, ['ls', '--json']);
    expect(after.stderr).toBe('');
    expect(after.json()).toEqual(expected);
  });

  it('refuses an index written by a newer corral, with exit 7', async () => {
    const indexPath = join(home, 'index.sqlite');
    const db = new BetterSqlite3(indexPath);
    const version = db.pragma('user_version', { simple: true }) as number;
    db.pragma(`user_version = ${version + 1}`);
    db.close();
    try {
      const ls = await corral(home, ['ls']);
      expect(ls.code).toBe(7);
      expect(ls.stderr).toContain(
        `corral: The index ${indexPath} was written by a newer corral (index schema ${version + 1}; this one knows up to ${version}). Upgrade corral.`,
      );
      const json = await corral(home, ['ls', '--json']);
      expect(json.json()).toMatchObject({ error: { code: 'INDEX_TOO_NEW' } });
    } finally {
      const back = new BetterSqlite3(indexPath);
      back.pragma(`user_version = ${version}`);
      back.close();
    }
  });
});
