import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { CorralError } from '../lib/errors.js';
import { sampleMetadata } from '../state/metadata.fixture.js';
import { InstanceIndex } from './instance-index.js';
import { getSchemaVersion, migrate } from './migrate.js';
import { migrations } from './migrations/index.js';
import type { Migration } from './migrations/index.js';

async function dbPath(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'corral-index-')), 'index.sqlite');
}

function tables(db: Database): string[] {
  return db
    .prepare<[], string>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .pluck()
    .all();
}

/** A row each migration's tables can hold, written at that version. */
const plants: Record<number, (db: Database) => void> = {
  1: (db) =>
    db
      .prepare(
        `INSERT INTO instances (id, status, agent, backend, repo, repo_name, branch, task, created_at, record, record_format)
         VALUES ('sh-old01', 'succeeded', 'shell', 'local', '/src/repo', 'repo', 'corral/sh-old01', 'true', 1, ?, 'older')`,
      )
      .run(JSON.stringify(sampleMetadata({ id: 'sh-old01', status: 'succeeded' }))),
  2: (db) =>
    db
      .prepare(
        "INSERT INTO battles (id, repo, task, status, created_at, record) VALUES ('b1', '/src/repo', 'fix it', 'running', 1, '{}')",
      )
      .run(),
  3: (db) =>
    db
      .prepare(
        "INSERT INTO teams (id, repo, status, created_at, record) VALUES ('t1', '/src/repo', 'running', 1, '{}')",
      )
      .run(),
};

describe('index migrations', () => {
  it('bring an empty file to the latest version, with every table', async () => {
    const path = await dbPath();
    const index = InstanceIndex.open(path);
    index.close();
    const db = new BetterSqlite3(path);
    expect(getSchemaVersion(db)).toBe(migrations.length);
    expect(tables(db)).toEqual([
      'battle_contestants',
      'battles',
      'event_journal',
      'instances',
      'journal_cursors',
      'team_tasks',
      'teams',
    ]);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  for (let from = 1; from < migrations.length; from++) {
    it(`bring a version ${from} file to the latest, keeping what it held`, async () => {
      const path = await dbPath();
      const old = new BetterSqlite3(path);
      migrate(old, migrations.slice(0, from), path);
      for (let v = 1; v <= from; v++) plants[v]?.(old);
      expect(getSchemaVersion(old)).toBe(from);
      old.close();

      const index = InstanceIndex.open(path);
      expect(getSchemaVersion(index.database)).toBe(migrations.length);
      expect(index.get('sh-old01')?.status).toBe('succeeded');
      if (from >= 2)
        expect(index.database.prepare('SELECT task FROM battles').pluck().get()).toBe('fix it');
      if (from >= 3)
        expect(index.database.prepare('SELECT id FROM teams').pluck().get()).toBe('t1');
      // The tables added after `from` work too.
      expect(index.journal.append([{ instanceId: 'sh-old01', seq: 1 }])).toEqual([1]);
      index.close();
    });
  }

  it('refuse a file from a newer corral, saying which and what to do', async () => {
    const path = await dbPath();
    InstanceIndex.open(path).close();
    const db = new BetterSqlite3(path);
    db.pragma(`user_version = ${migrations.length + 1}`);
    db.close();
    let error: unknown;
    try {
      InstanceIndex.open(path);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CorralError);
    const e = error as CorralError;
    expect(e.code).toBe('INDEX_TOO_NEW');
    expect(e.exitCode).toBe(7);
    expect(e.line).toContain(path);
    expect(e.line).toContain(`index schema ${migrations.length + 1}`);
    expect(e.line).toContain('Upgrade corral');
    // Refused, not touched: the newer version's file is as it was.
    const after = new BetterSqlite3(path);
    expect(getSchemaVersion(after)).toBe(migrations.length + 1);
    after.close();
  });

  it('apply each migration whole or not at all', async () => {
    const path = await dbPath();
    const broken: Migration = {
      version: migrations.length + 1,
      name: 'broken',
      up(db) {
        db.exec('CREATE TABLE half_made (x INTEGER)');
        db.exec('THIS IS NOT SQL');
      },
    };
    const db = new BetterSqlite3(path);
    expect(() => migrate(db, [...migrations, broken], path)).toThrow(/syntax error/);
    expect(getSchemaVersion(db)).toBe(migrations.length);
    expect(tables(db)).not.toContain('half_made');
    db.close();
  });

  it("leave a second connection a migrated file that sees the first one's writes", async () => {
    const path = await dbPath();
    await writeFile(path, '');
    const a = InstanceIndex.open(path);
    const b = InstanceIndex.open(path);
    a.upsert(sampleMetadata({ id: 'sh-two01' }));
    expect(b.get('sh-two01')?.id).toBe('sh-two01');
    expect(getSchemaVersion(b.database)).toBe(migrations.length);
    a.close();
    b.close();
  });
});
