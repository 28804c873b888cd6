/**
 * A battle's record, `battles/<id>/battle.json`: the spec it was started with, the base
 * every contestant started from, each contestant's instance and how far it got, and, once
 * graded, the ranking. It is the truth a resumed battle goes on from (written atomically
 * after every step, so a kill at any moment leaves the last step recorded); the grading
 * runs' full results sit beside it in `grading/<who>.json`.
 */
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { z } from 'zod';
import { CorralError } from '../../lib/errors.js';
import { writeFileAtomic } from '../../lib/fs-atomic.js';
import { newInstanceId } from '../../lib/id.js';
import {
  getBattlePaths,
  getBattlesDir,
  InstanceStatus,
  Limits,
  Summary,
} from '../../state/index.js';
import { BattleSpec } from './battle-spec.js';
import { HiddenTests } from './hidden-tests.js';

export const battleSchemaVersion = 1;

export const battleStatuses = ['running', 'interrupted', 'graded'] as const;
export type BattleStatus = (typeof battleStatuses)[number];

/** How a contestant's run ended. */
export const RunOutcome = z.object({
  status: InstanceStatus,
  exitCode: z.number().nullable(),
  durationMs: z.number().nullable(),
  branch: z.string(),
});

/** What a contestant changed against the base (from its branch's diff). */
export const WorkSize = z.object({
  files: z.number(),
  added: z.number(),
  deleted: z.number(),
});

/** Where a grading (of the base, or of a contestant) got to. */
export const GradingState = z.object({
  /** Grading runs started so far (an infrastructure failure is retried). */
  attempts: z.number().int().nonnegative(),
  /** The grading instance running now, if any (removed once read). */
  instanceId: z.string().nullable(),
  /** Its grading script's nonce (grading-script.ts), to read its output after a restart. */
  nonce: z.string().nullable(),
  /**
   * graded: `grading/<who>.json` holds its results; infrastructure: every attempt failed
   * for a reason not the contestant's; no-work: nothing came back to grade.
   */
  outcome: z.enum(['graded', 'infrastructure', 'no-work']).nullable(),
  /** Why the last attempt did not count, for the record. */
  note: z.string().nullable(),
});
export type GradingState = z.infer<typeof GradingState>;

export const ContestantState = z.object({
  name: z.string(),
  agent: z.string(),
  model: z.string().nullable(),
  instanceId: z.string().nullable(),
  run: RunOutcome.nullable(),
  work: WorkSize.nullable(),
  /** What its model calls cost, metered by the gateway; null when unknown. */
  spent: z.object({ tokens: z.number(), usd: z.number() }).nullable(),
  /** Its run's summary (tool calls, refusals, hosts it could not reach), once it ended. */
  summary: Summary.nullable().default(null),
  grading: GradingState,
});
export type ContestantState = z.infer<typeof ContestantState>;

export const BattleRecord = z.object({
  schemaVersion: z.literal(battleSchemaVersion),
  id: z.string(),
  createdAt: z.string(),
  endedAt: z.string().nullable(),
  status: z.enum(battleStatuses),
  repoDir: z.string(),
  /** The branch checked out when the battle started: where `battle merge` merges. */
  startBranch: z.string().nullable(),
  /** The commit every contestant started from (the developer's tree, snapshotted once). */
  base: z.string().nullable(),
  /** The base is a snapshot of uncommitted changes (merged as a change to the tree, not a commit). */
  baseDirty: z.boolean().default(false),
  backend: z.enum(['auto', 'docker', 'local']),
  /** Every sandbox's limits, contestants' and grading runs' alike. */
  limits: Limits,
  spec: BattleSpec,
  baseGrading: GradingState,
  contestants: z.array(ContestantState),
  /** Names in ranked order with their rank, once every grading ended. */
  ranking: z
    .array(z.object({ name: z.string(), rank: z.number().int().positive(), reason: z.string() }))
    .nullable(),
  /** What of the battle's budget was reached (its contestants then stopped), if any. */
  budgetReached: z.string().nullable().default(null),
  /** What `battle merge` did, once it did. */
  merged: z
    .object({
      contestant: z.string(),
      how: z.enum(['fast-forward', 'merge', 'applied-to-tree']),
      into: z.string(),
      commit: z.string(),
      at: z.string(),
    })
    .nullable()
    .default(null),
  /** The hidden tests, stored in the source repository when the battle started. */
  hidden: HiddenTests.nullable().default(null),
  /** The pull request `battle merge --pr` opened, once it did. */
  proposed: z
    .object({
      contestant: z.string(),
      remote: z.string(),
      url: z.string(),
      number: z.number(),
      at: z.string(),
    })
    .nullable()
    .default(null),
});
export type BattleRecord = z.infer<typeof BattleRecord>;

/** Who a grading file is for: the base, or a contestant by name (none is named 'base'). */
export const baseGradingName = 'base';

export function newGradingState(): GradingState {
  return { attempts: 0, instanceId: null, nonce: null, outcome: null, note: null };
}

/** A contestant as a battle starts: nothing run, nothing graded. */
export function newContestantState(c: {
  name: string;
  agent: string;
  model: string | null;
}): ContestantState {
  return {
    name: c.name,
    agent: c.agent,
    model: c.model,
    instanceId: null,
    run: null,
    work: null,
    spent: null,
    summary: null,
    grading: newGradingState(),
  };
}

/** Whether an id names a battle (its events share the all-instances stream with runs'). */
export function isBattleId(id: string): boolean {
  return /^battle-[0-9a-z]{5}$/.test(id);
}

/** A fresh id, `battle-<5 base36>`, whose state dir this call claims. */
export async function reserveBattleId(home: string): Promise<string> {
  await mkdir(getBattlesDir(home), { recursive: true });
  for (let i = 0; i < 20; i++) {
    // The same shape as an instance's id: `battle-<5 base36>`.
    const id = newInstanceId('battle');
    try {
      await mkdir(getBattlePaths(home, id).dir);
      return id;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  throw new CorralError('INTERNAL', 'Could not find a free battle id after 20 tries.');
}

export async function saveBattle(home: string, record: BattleRecord): Promise<void> {
  await writeFileAtomic(getBattlePaths(home, record.id).record, JSON.stringify(record, null, 2));
}

export async function loadBattle(home: string, id: string): Promise<BattleRecord> {
  const path = getBattlePaths(home, id).record;
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') {
      throw new CorralError('BATTLE_NOT_FOUND', `No battle '${id}'.`, {
        hint: 'corral battle ls lists the battles.',
      });
    }
    throw error;
  });
  const parsed = BattleRecord.safeParse(JSON.parse(text));
  if (!parsed.success) {
    throw new CorralError('INTERNAL', `The record of battle '${id}' (${path}) is not readable.`, {
      hint: 'It was written by another version of corral, or edited by hand.',
    });
  }
  return parsed.data;
}

/** Every battle in the home whose record reads, newest first. */
export async function listBattles(home: string): Promise<BattleRecord[]> {
  const names = await readdir(getBattlesDir(home)).catch(() => [] as string[]);
  const records: BattleRecord[] = [];
  for (const name of names) {
    const record = await loadBattle(home, name).catch(() => null);
    if (record) records.push(record);
  }
  return records.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}
