import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, realpath, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { getCurrentSupervisor, type Metadata } from '../state/index.js';
import { sampleMetadata } from '../state/metadata.fixture.js';
import { getIndexPath, IndexHandle } from '../store/index.js';
import { InstanceQueries } from './instance-queries.js';
import { InstanceStore } from './instance-store.js';

const handles: IndexHandle[] = [];
afterEach(() => handles.splice(0).forEach((h) => h.close()));

/** A store and queries wired to one index as src/app.ts wires them. */
async function setup(records: Metadata[]) {
  const home = await mkdtemp(join(tmpdir(), 'corral-home-'));
  const index = new IndexHandle(getIndexPath(home));
  handles.push(index);
  const lines: string[] = [];
  const log = (line: string) => void lines.push(line);
  const store = new InstanceStore(home, {
    onSaved: (m, stamp) => index.get().upsert(m, stamp),
    onRemoved: (id) => index.get().remove(id),
    log,
  });
  for (const m of records) {
    await mkdir(store.paths(m.id).dir, { recursive: true });
    // Written as another process would: behind the index's back.
    await new InstanceStore(home).save(m);
  }
  return { home, index, store, queries: new InstanceQueries({ store, index, log }), lines };
}

function goneSupervisor() {
  return { pid: spawnSync('true').pid, startTicks: '1' };
}

/** Every state a record can be in for reconcile, and ended ones. */
const mixed = () => {
  const ago = (min: number) => new Date(Date.now() - min * 60_000).toISOString();
  const shell = (id: string, fields: Partial<Metadata>) =>
    sampleMetadata({ id, agent: 'shell', ...fields });
  return [
    shell('sh-dead', { status: 'running', supervisor: goneSupervisor(), createdAt: ago(64) }),
    shell('sh-alive', {
      status: 'running',
      supervisor: getCurrentSupervisor(),
      createdAt: ago(63),
    }),
    shell('sh-stale', { status: 'created', createdAt: ago(62), preparedAt: ago(62) }),
    shell('sh-fresh', { status: 'created', createdAt: ago(0) }),
    shell('sh-done', { status: 'succeeded', createdAt: '2025-01-02T00:00:00.000Z' }),
    sampleMetadata({ id: 'cl-done', status: 'failed', createdAt: '2025-01-01T00:00:00.000Z' }),
  ];
};

const brief = (ms: Metadata[]) => ms.map((m) => [m.id, m.status]);

describe('InstanceQueries.list', () => {
  it('gives the answer the state dirs give, reconciled, from the index', async () => {
    const { queries, store, index } = await setup(mixed());
    const listed = await queries.list();
    expect(brief(listed)).toEqual([
      ['sh-fresh', 'created'],
      ['sh-stale', 'lost'],
      ['sh-alive', 'running'],
      ['sh-dead', 'lost'],
      ['sh-done', 'succeeded'],
      ['cl-done', 'failed'],
    ]);
    // The same records, field for field, as reading every state dir (the path before the index).
    expect(listed).toEqual(await store.list());
    // The reconciled records are in the index at the version their files hold: nothing is
    // left to read again.
    expect(await index.get().refresh(store.home)).toEqual({ updated: 0, removed: 0, skipped: [] });
    expect(brief(await queries.list({ status: ['lost'] }))).toEqual([
      ['sh-stale', 'lost'],
      ['sh-dead', 'lost'],
    ]);
    expect(brief(await queries.list({ status: ['running', 'created'], sort: 'status' }))).toEqual([
      ['sh-fresh', 'created'],
      ['sh-alive', 'running'],
    ]);
    expect(brief(await queries.list({ agent: ['claude'] }))).toEqual([['cl-done', 'failed']]);
  });

  it('lists from the state dirs when the index file is not a database, and says how to repair it', async () => {
    const { queries, store, index, home, lines } = await setup(mixed());
    await writeFile(getIndexPath(home), 'this is not a database, '.repeat(100));
    const listed = await queries.list();
    expect(brief(listed)).toContainEqual(['sh-dead', 'lost']);
    expect(listed).toEqual(await store.list());
    expect(lines.some((l) => l.includes('cannot be used (file is not a database)'))).toBe(true);
    expect(lines.some((l) => l.includes('`corral index rebuild` makes it anew'))).toBe(true);

    const rebuilt = await queries.rebuildIndex();
    expect(rebuilt).toMatchObject({
      path: getIndexPath(home),
      recreated: true,
      indexed: 6,
      skipped: [],
    });
    expect(index.get().list()).toEqual(listed);
  });

  it('refuses an index from a newer corral', async () => {
    const { queries, index, home } = await setup(mixed());
    await queries.list();
    index.close();
    const db = new BetterSqlite3(getIndexPath(home));
    db.pragma('user_version = 999');
    db.close();
    await expect(queries.list()).rejects.toMatchObject({ code: 'INDEX_TOO_NEW' });
    await expect(queries.rebuildIndex()).rejects.toMatchObject({ code: 'INDEX_TOO_NEW' });
  });
});

describe('InstanceQueries.resolveRepo', () => {
  it('takes a path in a repository as its root, anything else as a name', async () => {
    const { queries } = await setup([]);
    const repo = await realpath(await mkdtemp(join(tmpdir(), 'corral-repo-')));
    execFileSync('git', ['-C', repo, 'init', '-q']);
    execFileSync('git', [
      '-C',
      repo,
      '-c',
      'user.name=t',
      '-c',
      'user.email=t@t',
      'commit',
      '-q',
      '--allow-empty',
      '-m',
      'x',
    ]);
    await mkdir(join(repo, 'src'));
    expect(await queries.resolveRepo(join(repo, 'src'))).toBe(repo);
    expect(await queries.resolveRepo('no-such-folder-here')).toBe('no-such-folder-here');
  });
});
