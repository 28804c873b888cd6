/**
 * Starts a battle's record: checks the source repository, notes the branch it is on (where
 * `battle merge` goes), picks the grading's setup from its files when none is given, claims
 * `battles/<id>/`, stores the hidden tests (hidden-tests.ts) and writes the first record,
 * before any sandbox starts. Driving it is driveBattle's; holding it while driving is holdBattle's.
 */
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { BackendChoice } from '../../backends/detect.js';
import { CorralError } from '../../lib/errors.js';
import { acquireLock, type Lock } from '../../lib/lock.js';
import { getBattlePaths, type Limits } from '../../state/index.js';
import { git, loadSourceRepo } from '../../workspace/index.js';
import {
  battleSchemaVersion,
  newContestantState,
  newGradingState,
  reserveBattleId,
  saveBattle,
  type BattleRecord,
} from './battle-record.js';
import type { BattleSpec } from './battle-spec.js';
import { storeHiddenTests } from './hidden-tests.js';
import { detectSetup, setupDetectors } from './setup-detect.js';

export async function createBattle(
  home: string,
  input: { repoDir: string; spec: BattleSpec; backend: BackendChoice; limits: Limits },
): Promise<BattleRecord> {
  const repo = await loadSourceRepo(input.repoDir);
  const head = await git(repo.root, ['symbolic-ref', '-q', '--short', 'HEAD'], {
    allowFailure: true,
  });
  // The developer's own tree says how to set a grading sandbox up, when the battle does not.
  const present: string[] = [];
  for (const { file } of setupDetectors) {
    if (
      await stat(join(repo.root, file)).then(
        (s) => s.isFile(),
        () => false,
      )
    )
      present.push(file);
  }
  const spec = { ...input.spec, setup: input.spec.setup ?? detectSetup(present) };
  const id = await reserveBattleId(home);
  const hidden = spec.hiddenTests
    ? await storeHiddenTests(repo.root, id, spec.hiddenTests).catch(async (error: unknown) => {
        await rm(getBattlePaths(home, id).dir, { recursive: true, force: true });
        throw error;
      })
    : null;
  const record: BattleRecord = {
    schemaVersion: battleSchemaVersion,
    id,
    createdAt: new Date().toISOString(),
    endedAt: null,
    status: 'running',
    repoDir: repo.root,
    startBranch: head.exitCode === 0 ? head.stdout.trim() : null,
    base: null,
    baseDirty: false,
    backend: input.backend,
    limits: input.limits,
    spec,
    baseGrading: newGradingState(),
    contestants: spec.contestants.map(newContestantState),
    ranking: null,
    budgetReached: null,
    merged: null,
    proposed: null,
    hidden,
  };
  await saveBattle(home, record);
  return record;
}

/** The one process driving a battle holds this; another `battle resume` is refused. */
export async function holdBattle(home: string, id: string): Promise<Lock> {
  return acquireLock(getBattlePaths(home, id).lock, { timeoutMs: 500 }).catch(() => {
    throw new CorralError('BATTLE_BUSY', `Battle ${id} is being driven by another corral.`, {
      hint: 'Wait for it, or stop that command (Ctrl-C) and run corral battle resume again.',
    });
  });
}
