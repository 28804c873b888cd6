/**
 * The tables battles and teams will use, exercised the way those features will: a
 * battle with ranked contestants, and a team's task queue handed out by lease.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from 'better-sqlite3';
import { InstanceIndex } from './instance-index.js';

let index: InstanceIndex;
let db: Database;
beforeEach(() => {
  index = InstanceIndex.open(':memory:');
  db = index.database;
});
afterEach(() => index.close());

describe('battles', () => {
  it('hold contestants with their grades and ranks, and go with their battle', () => {
    db.prepare(
      `INSERT INTO battles (id, repo, task, status, created_at, record)
       VALUES ('b-1', '/src/web', 'make the tests pass', 'grading', 1000, ?)`,
    ).run(JSON.stringify({ grader: 'npm test' }));
    const contestant = db.prepare(
      `INSERT INTO battle_contestants (battle_id, instance_id, name, agent, model, grade, rank)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    contestant.run(
      'b-1',
      'claude-aaaaa',
      'claude',
      'claude',
      'opus',
      '{"passed":12,"failed":0}',
      1,
    );
    contestant.run('b-1', 'codex-bbbbb', 'codex', 'codex', 'gpt-5', '{"passed":10,"failed":2}', 2);
    contestant.run('b-1', 'gemini-ccccc', 'gemini', 'gemini', null, null, null);
    expect(() =>
      contestant.run('b-1', 'claude-aaaaa', 'again', 'claude', null, null, null),
    ).toThrow(/UNIQUE/);
    expect(() => contestant.run('b-none', 'x-1', 'x', 'x', null, null, null)).toThrow(
      /FOREIGN KEY/,
    );

    const ranked = db
      .prepare(
        `SELECT c.name, c.rank, json_extract(c.grade, '$.passed') AS passed, b.task
         FROM battle_contestants c JOIN battles b ON b.id = c.battle_id
         WHERE b.id = 'b-1' ORDER BY c.rank IS NULL, c.rank`,
      )
      .all();
    expect(ranked).toEqual([
      { name: 'claude', rank: 1, passed: 12, task: 'make the tests pass' },
      { name: 'codex', rank: 2, passed: 10, task: 'make the tests pass' },
      { name: 'gemini', rank: null, passed: null, task: 'make the tests pass' },
    ]);
    // A contestant's instance row comes and goes with index rebuilds; the battle stays.
    index.database.prepare('DELETE FROM instances').run();
    expect(db.prepare('SELECT count(*) FROM battle_contestants').pluck().get()).toBe(3);
    db.prepare("DELETE FROM battles WHERE id = 'b-1'").run();
    expect(db.prepare('SELECT count(*) FROM battle_contestants').pluck().get()).toBe(0);
  });
});

describe('team tasks', () => {
  /** Hands the oldest claimable task (queued, or leased and expired) to `holder`. */
  function claim(holder: string, nowMs: number, leaseMs: number) {
    return db
      .prepare(
        `UPDATE team_tasks
         SET status = 'leased', holder = @holder, lease_expires_at = @expires,
             attempts = attempts + 1, updated_at = @now
         WHERE rowid = (
           SELECT rowid FROM team_tasks
           WHERE team_id = 't-1' AND (status = 'queued' OR (status = 'leased' AND lease_expires_at <= @now))
           ORDER BY created_at, id LIMIT 1)
         RETURNING id, holder, attempts`,
      )
      .get({ holder, now: nowMs, expires: nowMs + leaseMs });
  }

  it('are handed out by lease; an expired lease goes to the next taker', () => {
    db.prepare(
      "INSERT INTO teams (id, name, repo, status, created_at, record) VALUES ('t-1', 'auth', '/src/web', 'running', 0, '{}')",
    ).run();
    const task = db.prepare(
      `INSERT INTO team_tasks (team_id, id, role, title, status, created_at, updated_at, record)
       VALUES ('t-1', ?, 'coder', ?, 'queued', ?, ?, '{}')`,
    );
    task.run('task-1', 'write the login form', 1, 1);
    task.run('task-2', 'write its tests', 2, 2);

    expect(claim('claude-aaaaa', 100, 1000)).toEqual({
      id: 'task-1',
      holder: 'claude-aaaaa',
      attempts: 1,
    });
    expect(claim('codex-bbbbb', 200, 1000)).toEqual({
      id: 'task-2',
      holder: 'codex-bbbbb',
      attempts: 1,
    });
    // Nothing claimable while both leases hold.
    expect(claim('gemini-ccccc', 500, 1000)).toBeUndefined();
    // task-1's lease ran out at 1100: the next taker gets it, on its second attempt.
    expect(claim('gemini-ccccc', 1100, 1000)).toEqual({
      id: 'task-1',
      holder: 'gemini-ccccc',
      attempts: 2,
    });
    db.prepare("UPDATE team_tasks SET status = 'done' WHERE id = 'task-2'").run();
    expect(claim('claude-aaaaa', 5000, 1000)).toEqual({
      id: 'task-1',
      holder: 'claude-aaaaa',
      attempts: 3,
    });
    db.prepare("DELETE FROM teams WHERE id = 't-1'").run();
    expect(db.prepare('SELECT count(*) FROM team_tasks').pluck().get()).toBe(0);
  });
});
