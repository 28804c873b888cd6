import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sampleMetadata } from '../state/metadata.fixture.js';
import { getInstancePaths, saveMetadata, type Metadata } from '../state/index.js';
import { InstanceIndex } from './instance-index.js';

const hour = 3_600_000;
const at = (msAgo: number) =>
  new Date(Date.parse('2025-06-01T12:00:00.000Z') - msAgo).toISOString();

/** Six records that differ in every column ls filters or sorts on. */
const records: Metadata[] = [
  sampleMetadata({
    id: 'claude-aaaaa',
    agent: 'claude',
    status: 'succeeded',
    sourceRepo: '/src/web',
    createdAt: at(5 * hour),
    startedAt: at(5 * hour - 1000),
    endedAt: at(4 * hour),
    prompt: 'fix the login bug',
    summary: {
      inputTokens: 1200,
      outputTokens: 300,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      costUsd: 0.0123,
      filesChanged: 3,
      linesAdded: null,
      linesDeleted: null,
      toolCalls: 4,
      denials: [],
      egressDenied: 0,
      modelCallsDenied: 0,
      unreachableHosts: [],
    },
  }),
  sampleMetadata({
    id: 'codex-bbbbb',
    agent: 'codex',
    status: 'failed',
    sourceRepo: '/src/web',
    createdAt: at(4 * hour),
    startedAt: at(4 * hour - 1000),
    endedAt: at(1 * hour),
    exitCode: 2,
  }),
  sampleMetadata({
    id: 'shell-ccccc',
    agent: 'shell',
    status: 'running',
    sourceRepo: '/src/api',
    createdAt: at(3 * hour),
    startedAt: at(3 * hour - 1000),
    command: ['npm', 'test'],
  }),
  sampleMetadata({
    id: 'shell-ddddd',
    agent: 'shell',
    status: 'created',
    sourceRepo: '/other/api',
    createdAt: at(2 * hour),
  }),
  sampleMetadata({
    id: 'claude-eeeee',
    agent: 'claude',
    status: 'lost',
    sourceRepo: '/src/api',
    createdAt: at(1 * hour),
    startedAt: at(1 * hour - 1000),
    endedAt: at(30 * 60_000),
  }),
  // Same creation time as claude-eeeee: the tie is broken by id.
  sampleMetadata({
    id: 'claude-0tie0',
    agent: 'claude',
    status: 'canceled',
    sourceRepo: '/src/web',
    createdAt: at(1 * hour),
    startedAt: at(1 * hour - 500),
    endedAt: at(20 * 60_000),
  }),
];

let index: InstanceIndex;
beforeEach(() => {
  index = InstanceIndex.open(':memory:');
  for (const m of records) index.upsert(m);
});
afterEach(() => index.close());

const ids = (ms: Metadata[]) => ms.map((m) => m.id);

describe('InstanceIndex', () => {
  it('gives back a record as it was given, whole', () => {
    expect(index.get('claude-aaaaa')).toEqual(records[0]);
    expect(index.get('nope')).toBeUndefined();
    const row = index.database
      .prepare(
        "SELECT task, input_tokens, cost_usd, files_changed, repo_name, duration_ms FROM instances WHERE id = 'claude-aaaaa'",
      )
      .get();
    expect(row).toEqual({
      task: 'fix the login bug',
      input_tokens: 1200,
      cost_usd: 0.0123,
      files_changed: 3,
      repo_name: 'web',
      duration_ms: null,
    });
    expect(
      index.database.prepare("SELECT task FROM instances WHERE id = 'shell-ccccc'").pluck().get(),
    ).toBe('npm test');
  });

  it('lists newest first by default, ties by id', () => {
    expect(ids(index.list())).toEqual([
      'claude-0tie0',
      'claude-eeeee',
      'shell-ddddd',
      'shell-ccccc',
      'codex-bbbbb',
      'claude-aaaaa',
    ]);
  });

  it('filters by status, agent, repository (path or name) and creation time, combined', () => {
    expect(ids(index.list({ status: ['running', 'created'] }))).toEqual([
      'shell-ddddd',
      'shell-ccccc',
    ]);
    expect(ids(index.list({ agent: ['codex'] }))).toEqual(['codex-bbbbb']);
    expect(ids(index.list({ repo: '/src/api' }))).toEqual(['claude-eeeee', 'shell-ccccc']);
    expect(ids(index.list({ repo: 'api' }))).toEqual([
      'claude-eeeee',
      'shell-ddddd',
      'shell-ccccc',
    ]);
    expect(ids(index.list({ sinceMs: Date.parse(at(2 * hour)) }))).toEqual([
      'claude-0tie0',
      'claude-eeeee',
      'shell-ddddd',
    ]);
    expect(
      ids(index.list({ agent: ['claude'], repo: 'web', sinceMs: Date.parse(at(6 * hour)) })),
    ).toEqual(['claude-0tie0', 'claude-aaaaa']);
    expect(index.list({ status: ['timed-out'] })).toEqual([]);
    expect(ids(index.list({ limit: 2 }))).toEqual(['claude-0tie0', 'claude-eeeee']);
  });

  it('sorts by start, end (those without the time last), status and agent', () => {
    expect(ids(index.list({ sort: 'started' }))).toEqual([
      'claude-eeeee',
      'claude-0tie0',
      'shell-ccccc',
      'codex-bbbbb',
      'claude-aaaaa',
      'shell-ddddd',
    ]);
    expect(ids(index.list({ sort: 'ended' }))).toEqual([
      'claude-0tie0',
      'claude-eeeee',
      'codex-bbbbb',
      'claude-aaaaa',
      'shell-ddddd',
      'shell-ccccc',
    ]);
    expect(ids(index.list({ sort: 'status' }))).toEqual([
      'shell-ddddd', // created
      'shell-ccccc', // running
      'claude-aaaaa', // succeeded
      'codex-bbbbb', // failed
      'claude-0tie0', // canceled
      'claude-eeeee', // lost
    ]);
    expect(ids(index.list({ sort: 'agent', limit: 4 }))).toEqual([
      'claude-0tie0',
      'claude-eeeee',
      'claude-aaaaa',
      'codex-bbbbb',
    ]);
  });

  it('reads a row another corral indexed through the schema, and its own rows as stored', () => {
    const older: Partial<Metadata> = sampleMetadata({ id: 'sh-older' });
    delete older.mounts;
    delete older.prompt;
    const format = index.database
      .prepare("SELECT record_format FROM instances WHERE id = 'claude-aaaaa'")
      .pluck()
      .get() as string;
    const put = index.database.prepare(
      "UPDATE instances SET record = ?, record_format = ? WHERE id = 'claude-aaaaa'",
    );
    // Indexed by another version, whose schema had no `mounts` or `prompt` yet: the
    // defaults of this one apply.
    put.run(JSON.stringify(older), 'an-older-format');
    expect(index.get('claude-aaaaa')).toMatchObject({ id: 'sh-older', mounts: [], prompt: null });
    // Of this corral's own shape: taken as stored, not checked again (what makes ls fast).
    put.run(JSON.stringify(older), format);
    expect(index.get('claude-aaaaa')).not.toHaveProperty('mounts');
  });

  it('replaces a record on upsert and forgets it on remove', () => {
    index.upsert({ ...records[2]!, status: 'succeeded', endedAt: at(0) });
    expect(index.get('shell-ccccc')?.status).toBe('succeeded');
    expect(ids(index.list({ status: ['running'] }))).toEqual([]);
    index.remove('shell-ccccc');
    expect(index.get('shell-ccccc')).toBeUndefined();
    expect(index.list()).toHaveLength(records.length - 1);
  });
});

describe('InstanceIndex from the state dirs', () => {
  let home: string;
  let file: InstanceIndex;

  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'corral-home-'));
    for (const m of records) await writeRecord(home, m);
    file = InstanceIndex.open(join(home, 'index.sqlite'));
  });
  afterEach(() => file.close());

  it('rebuilds from every readable state dir and says why it skipped the others', async () => {
    const paths = (id: string) => getInstancePaths(home, id);
    await mkdir(paths('sh-nojson').dir, { recursive: true });
    await writeFile(paths('sh-nojson').metadata, '{ "id": ');
    await mkdir(paths('sh-schema').dir, { recursive: true });
    await writeFile(
      paths('sh-schema').metadata,
      JSON.stringify({ ...sampleMetadata({ id: 'sh-schema' }), status: 'exploded' }),
    );
    await mkdir(paths('sh-future').dir, { recursive: true });
    await writeFile(
      paths('sh-future').metadata,
      JSON.stringify({ ...sampleMetadata({ id: 'sh-future' }), schemaVersion: 99 }),
    );
    await mkdir(paths('sh-halfmade').dir, { recursive: true });
    // Unreadable as root too (a mode of 0 would not stop root): a directory in its place.
    await mkdir(paths('sh-unreadable').metadata, { recursive: true });
    // A row the state dirs no longer have is gone after a rebuild.
    file.upsert(sampleMetadata({ id: 'sh-deleted' }));

    const report = await file.rebuild(home);
    expect(report.indexed).toBe(records.length);
    expect(report.skipped.map((s) => [s.id, s.dir])).toEqual(
      ['sh-future', 'sh-halfmade', 'sh-nojson', 'sh-schema', 'sh-unreadable'].map((id) => [
        id,
        paths(id).dir,
      ]),
    );
    const reason = (id: string) => report.skipped.find((s) => s.id === id)?.reason;
    expect(reason('sh-nojson')).toMatch(/^metadata.json is not valid JSON \(/);
    expect(reason('sh-schema')).toMatch(/^metadata.json does not match the schema \(status: /);
    expect(reason('sh-future')).toContain('written by a newer corral (schema 99)');
    expect(reason('sh-halfmade')).toBe('no metadata.json');
    expect(reason('sh-unreadable')).toMatch(/^cannot read metadata.json \(EISDIR/);
    expect(ids(file.list())).toEqual(ids(index.list()));
    expect(file.list()).toEqual(index.list());
    expect(file.get('sh-deleted')).toBeUndefined();
  });

  it('refreshes only what changed in the state dirs: new, rewritten, gone', async () => {
    expect(await file.refresh(home)).toEqual({
      updated: records.length,
      removed: 0,
      skipped: [],
    });
    expect(await file.refresh(home)).toEqual({ updated: 0, removed: 0, skipped: [] });

    await writeRecord(home, { ...records[2]!, status: 'succeeded' });
    await writeRecord(home, sampleMetadata({ id: 'shell-fffff', createdAt: at(0) }));
    await rm(getInstancePaths(home, 'codex-bbbbb').dir, { recursive: true });
    expect(await file.refresh(home)).toEqual({ updated: 2, removed: 1, skipped: [] });
    expect(file.get('shell-ccccc')?.status).toBe('succeeded');
    expect(file.get('codex-bbbbb')).toBeUndefined();
    expect(ids(file.list())[0]).toBe('shell-fffff');
  });

  it('does not read again a metadata.json whose stamp it already has', async () => {
    await file.refresh(home);
    // Change the file's bytes in place, keeping inode, size and mtime: its stamp is the
    // same, so a refresh that reads only changed files keeps the indexed record.
    const path = getInstancePaths(home, 'shell-ccccc').metadata;
    const before = await stat(path, { bigint: true });
    const text = await readFile(path, 'utf8');
    const handle = await open(path, 'r+');
    await handle.write(text.replace('"running"', '"failed" '), 0);
    await handle.close();
    const ns = before.mtimeNs.toString().padStart(10, '0');
    execFileSync('touch', ['-m', '-d', `@${ns.slice(0, -9)}.${ns.slice(-9)}`, path]);
    expect((await stat(path, { bigint: true })).mtimeNs).toBe(before.mtimeNs);
    await file.refresh(home);
    expect(file.get('shell-ccccc')?.status).toBe('running');
    // Control: a rebuild reads every file and sees the change.
    await file.rebuild(home);
    expect(file.get('shell-ccccc')?.status).toBe('failed');
  });

  it('drops the row of a record that became unreadable', async () => {
    await file.refresh(home);
    await writeFile(getInstancePaths(home, 'shell-ccccc').metadata, 'garbage');
    const report = await file.refresh(home);
    expect(report.removed).toBe(1);
    expect(report.skipped.map((s) => s.id)).toEqual(['shell-ccccc']);
    expect(file.get('shell-ccccc')).toBeUndefined();
  });
});

async function writeRecord(home: string, m: Metadata): Promise<void> {
  const paths = getInstancePaths(home, m.id);
  await mkdir(paths.dir, { recursive: true });
  await saveMetadata(paths.metadata, m);
}
