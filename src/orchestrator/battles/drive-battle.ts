/**
 * Drives a battle from its record to its ranking: the first contestant's instance snapshots
 * the developer's tree (the base; every other contestant and the base's grading start from
 * that commit), then at most `parallel` sandboxes at once run the contestants (each in a
 * workspace holding the base's history only) and the grading runs (each in a fresh sandbox
 * on a copy of the graded branch). Every step is saved to the record before the next, so a
 * driver killed at any moment is taken up by `battle resume`: started instances are waited
 * for (the engine supervises them meanwhile), unstarted ones started, ungraded ones graded.
 * On abort (Ctrl-C) the running contestants are stopped, their work brought back, and the
 * battle is recorded as interrupted.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { maxOutputChars } from '../../grading/input-limits.js';
import { formatDurationMs } from '../../lib/duration.js';
import { ModelPolicy } from '../../protocol/model-policy.js';
import { getBattlePaths, type Metadata } from '../../state/index.js';
import { getBaseTip } from '../../workspace/index.js';
import type { RunRequest } from '../orchestrator.js';
import type { BattleInstances } from './battle-instances.js';
import {
  baseGradingName,
  saveBattle,
  type BattleRecord,
  type ContestantState,
  type GradingState,
} from './battle-record.js';
import type { ContestantSpec } from './battle-spec.js';
import { makeGradingScript, newGradingNonce } from './grading-script.js';
import { defaultTestPathspecs, findTestChanges, makeGradingCommit } from './grading-commit.js';
import { loadBattleResults, type GradingFile } from './battle-results.js';
import { findRunnerChanges } from './runner-changes.js';
import { writeBattleReport } from './battle-report-file.js';
import { readGrading } from './read-grading.js';

export interface BattleDeps {
  home: string;
  instances: BattleInstances;
  /** Called after every change of the record (a board redraws). */
  onChange?: (record: BattleRecord) => void;
}

/** How often a battle's own budget is checked. */
const budgetCheckMs = 2000;

/** A grading whose sandbox keeps dying is given up (infrastructure) after this many tries. */
const maxGradingAttempts = 2;

export async function driveBattle(
  deps: BattleDeps,
  record: BattleRecord,
  signal: AbortSignal,
): Promise<BattleRecord> {
  const driver = new BattleDriver(deps, record, signal);
  return driver.drive();
}

class BattleDriver {
  #saving: Promise<void> = Promise.resolve();
  /** Instances this driver waits for now: stopped on abort. */
  readonly #live = new Set<string>();

  constructor(
    private readonly deps: BattleDeps,
    private readonly record: BattleRecord,
    private readonly signal: AbortSignal,
  ) {}

  async drive(): Promise<BattleRecord> {
    const { record } = this;
    record.status = 'running';
    await this.#save();
    try {
      if (record.base === null) await this.#startFirst();
      const tasks = [
        () => this.#grade(baseGradingName, record.base!, record.baseGrading),
        ...record.contestants.map((c) => () => this.#contest(c)),
      ];
      const watch = this.#watchBudget();
      try {
        await runLimited(record.spec.parallel, tasks, this.signal);
      } finally {
        watch.stop();
      }
    } catch (error) {
      if (!this.signal.aborted) {
        // A start refused (a credential missing, no image): what runs goes on; the record
        // says interrupted, so `battle resume` takes it up once the cause is fixed.
        record.status = 'interrupted';
        await this.#save();
        throw error;
      }
    }
    if (this.signal.aborted) {
      await this.#stopLive();
      record.status = 'interrupted';
      await this.#save();
      return record;
    }
    const results = await loadBattleResults(this.deps.home, record);
    record.ranking = results.ranked;
    record.status = 'graded';
    record.endedAt = new Date().toISOString();
    await this.#save();
    await writeBattleReport(this.deps.home, record, results);
    return record;
  }

  /**
   * The battle's own budget, checked every few seconds while it runs: past its time, or once
   * its contestants together spent its dollars or tokens, the contestants still running are
   * stopped (their work kept and graded as it stands) and none is started any more.
   */
  #watchBudget(): { stop(): void } {
    const { timeMs, usd, tokens } = this.record.spec.battleBudget;
    if (timeMs === null && usd === null && tokens === null) return { stop: () => undefined };
    const check = async () => {
      if (this.record.budgetReached !== null) return;
      const reached = await this.#budgetReached(timeMs, usd, tokens);
      if (reached === null) return;
      this.record.budgetReached = reached;
      await this.#save();
      const running = this.record.contestants.filter((c) => c.run === null && c.instanceId);
      await Promise.all(
        running.map((c) => this.deps.instances.stop(c.instanceId!).catch(() => undefined)),
      );
    };
    let checking = Promise.resolve();
    const timer = setInterval(() => {
      checking = checking.then(check).catch(() => undefined);
    }, budgetCheckMs);
    return { stop: () => clearInterval(timer) };
  }

  async #budgetReached(
    timeMs: number | null,
    usd: number | null,
    tokens: number | null,
  ): Promise<string | null> {
    if (timeMs !== null && Date.now() - Date.parse(this.record.createdAt) >= timeMs) {
      return `its time (${formatDurationMs(timeMs)})`;
    }
    if (usd === null && tokens === null) return null;
    let spentUsd = 0;
    let spentTokens = 0;
    for (const c of this.record.contestants) {
      if (c.instanceId === null) continue;
      const spent = c.spent ?? (await this.deps.instances.spent(c.instanceId).catch(() => null));
      spentUsd += spent?.usd ?? 0;
      spentTokens += spent?.tokens ?? 0;
    }
    if (usd !== null && spentUsd >= usd) return `its budget of $${usd}`;
    if (tokens !== null && spentTokens >= tokens) return `its budget of ${tokens} tokens`;
    return null;
  }

  /** The first contestant snapshots the developer's tree: its base is the battle's. */
  async #startFirst(): Promise<void> {
    const first = this.record.contestants[0]!;
    const request = this.#contestantRequest(first, undefined);
    const meta = await this.#findOrStart(request);
    first.instanceId = meta.id;
    this.record.base = getBaseTip(meta.base);
    this.record.baseDirty = meta.base.snapshot !== null;
    await this.#save();
  }

  async #contest(c: ContestantState): Promise<void> {
    const { instances } = this.deps;
    if (c.run === null) {
      if (c.instanceId === null) {
        // Past the battle's budget no contestant starts: it ends with no work to grade.
        if (this.record.budgetReached !== null) {
          c.grading.outcome = 'no-work';
          c.grading.note = `not started: the battle reached ${this.record.budgetReached}`;
          await this.#save();
          return;
        }
        const meta = await this.#findOrStart(this.#contestantRequest(c, this.record.base!));
        c.instanceId = meta.id;
        await this.#save();
      }
      const meta = await this.#wait(c.instanceId);
      c.run = {
        status: meta.status,
        exitCode: meta.exitCode,
        durationMs: meta.durationMs,
        branch: meta.branch,
      };
      if (meta.failure?.code === 'SETUP_FAILED') {
        // Its sandbox was never ready for its agent: not its failure, and nothing to grade.
        c.grading.outcome = 'infrastructure';
        c.grading.note = meta.message;
        await this.#save();
        return;
      }
      const diff = await instances.diff(meta.id).catch(() => null);
      if (diff) await this.#keepPatch(c.name, diff.patch);
      const files = diff?.files ?? null;
      c.work = files && {
        files: files.length,
        added: files.reduce((n, f) => n + (f.added ?? 0), 0),
        deleted: files.reduce((n, f) => n + (f.deleted ?? 0), 0),
      };
      if (files === null) c.grading.outcome = 'no-work';
      c.spent = await instances.spent(meta.id).catch(() => null);
      c.summary = meta.summary;
      await this.#save();
    }
    if (c.grading.outcome === null) await this.#grade(c.name, c.run.branch, c.grading);
  }

  /** Grades `from` (a commit or branch) in fresh sandboxes until an attempt counts. */
  async #grade(who: string, from: string, state: GradingState): Promise<void> {
    const { instances } = this.deps;
    const { spec } = this.record;
    while (state.outcome === null) {
      if (state.instanceId === null) {
        // A nonce without an instance: an attempt recorded, then the driver was killed.
        if (state.nonce === null) {
          if (state.attempts >= maxGradingAttempts) {
            state.outcome = 'infrastructure';
            await this.#save();
            return;
          }
          state.attempts += 1;
          state.nonce = newGradingNonce();
          await this.#save();
        }
        const script = makeGradingScript({
          build: spec.build,
          lint: spec.lint,
          test: spec.test,
          nonce: state.nonce,
        });
        const meta = await this.#findOrStart({
          ...this.#common(),
          from: await makeGradingCommit(this.record.repoDir, {
            base: this.record.base!,
            tip: from,
            tests: this.#protectedTests(),
            hidden: this.record.hidden,
          }),
          agent: 'shell',
          command: script.command,
          name: `${this.record.id}-g-${who}-${state.attempts}`,
          timeoutMs: spec.gradeTimeoutMs,
          // Its setup phase, as a contestant's: the hosts and secrets are the setup's alone,
          // gone before the contestant's code (its tests) runs.
          ...(spec.setup !== null
            ? {
                setup: {
                  command: spec.setup,
                  allowHosts: spec.setupAllowHosts,
                  env: spec.setupEnv,
                },
              }
            : {}),
        });
        state.instanceId = meta.id;
        await this.#save();
      }
      const id = state.instanceId;
      const meta = await this.#wait(id);
      const output = await instances.readOutput(id, maxOutputChars);
      const reading = readGrading(meta, output, state.nonce ?? '');
      if (reading.kind === 'graded') {
        const dir = getBattlePaths(this.deps.home, this.record.id).grading;
        await mkdir(dir, { recursive: true });
        const isBase = who === baseGradingName;
        const file: GradingFile = {
          run: reading.run,
          changedTests: isBase
            ? []
            : await findTestChanges(
                this.record.repoDir,
                this.record.base!,
                from,
                this.#protectedTests(),
              ),
          changedRunner: isBase
            ? []
            : await findRunnerChanges(this.record.repoDir, this.record.base!, from),
        };
        await writeFile(join(dir, `${who}.json`), JSON.stringify(file));
        state.outcome = 'graded';
      } else {
        state.note = reading.note;
      }
      state.instanceId = null;
      state.nonce = null;
      await this.#save();
      await instances.remove(id, { deleteBranch: true }).catch(() => undefined);
    }
  }

  /** The test files a contestant may not change (git pathspecs): restored before grading. */
  #protectedTests(): readonly string[] {
    const { tests } = this.record.spec;
    return tests.length ? tests : defaultTestPathspecs;
  }

  /** The patch, for the report: the branch may be archived or pruned by then. */
  async #keepPatch(name: string, patch: string): Promise<void> {
    const dir = getBattlePaths(this.deps.home, this.record.id).diffs;
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, `${name}.patch`), patch);
  }

  /**
   * Starts the instance its request names, unless a driver killed before it could record
   * the start already did: then that one is taken up, not started twice.
   */
  async #findOrStart(request: RunRequest & { name: string }): Promise<Metadata> {
    return (
      (await this.deps.instances.find(request.name)) ?? (await this.deps.instances.start(request))
    );
  }

  async #wait(id: string): Promise<Metadata> {
    this.#live.add(id);
    try {
      return await this.deps.instances.waitForEnd(id, this.signal);
    } finally {
      this.#live.delete(id);
    }
  }

  /** Stops what runs: contestants keep their work (graded on resume as it stands). */
  async #stopLive(): Promise<void> {
    const grading = [this.record.baseGrading, ...this.record.contestants.map((c) => c.grading)];
    await Promise.all(
      [...this.#live].map(async (id) => {
        await this.deps.instances.stop(id).catch(() => undefined);
        const state = grading.find((g) => g.instanceId === id);
        if (state) {
          // An interrupted grading is no attempt: it starts anew on resume.
          await this.deps.instances.remove(id, { deleteBranch: true }).catch(() => undefined);
          state.instanceId = null;
          state.nonce = null;
          state.attempts = Math.max(0, state.attempts - 1);
        }
      }),
    );
  }

  #contestantRequest(c: ContestantState, from: string | undefined): RunRequest & { name: string } {
    const spec = this.#specOf(c);
    // A scripted contestant (shell) has its command, not the task: the shell agent takes no prompt.
    const prompt = spec.agent === 'shell' ? null : (spec.prompt ?? this.record.spec.prompt);
    return {
      ...this.#common(),
      ...(from !== undefined ? { from } : {}),
      agent: spec.agent,
      command: spec.command,
      name: `${this.record.id}-${c.name}`,
      ...(prompt !== null ? { prompt } : {}),
      ...(spec.context.length ? { contextFiles: spec.context } : {}),
      ...(this.record.spec.allowHosts.length ? { allowHosts: this.record.spec.allowHosts } : {}),
      // Prepared as the grading sandboxes are, before its agent starts; the setup's hosts
      // are open to the setup alone.
      ...(this.record.spec.setup !== null
        ? {
            setup: {
              command: this.record.spec.setup,
              allowHosts: this.record.spec.setupAllowHosts,
              env: this.record.spec.setupEnv,
            },
          }
        : {}),
      ...(this.record.spec.timeoutMs !== null ? { timeoutMs: this.record.spec.timeoutMs } : {}),
      modelPolicy: ModelPolicy.parse({ model: spec.model, budget: this.record.spec.budget }),
    };
  }

  #specOf(c: ContestantState): ContestantSpec {
    return this.record.spec.contestants.find((s) => s.name === c.name)!;
  }

  #common() {
    return {
      repoDir: this.record.repoDir,
      backend: this.record.backend,
      keep: false,
      interactive: false,
      limits: this.record.limits,
      baseHistoryOnly: true,
    } satisfies Partial<RunRequest>;
  }

  /** Saves one at a time, in order; tells the board. */
  #save(): Promise<void> {
    const snapshot = structuredClone(this.record);
    this.#saving = this.#saving.then(() => saveBattle(this.deps.home, snapshot));
    this.deps.onChange?.(snapshot);
    return this.#saving;
  }
}

/** Runs the tasks, at most `limit` at once; stops starting new ones once `signal` aborts. */
async function runLimited(
  limit: number,
  tasks: ReadonlyArray<() => Promise<void>>,
  signal: AbortSignal,
): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  const worker = async () => {
    while (next < tasks.length && !signal.aborted) {
      const task = tasks[next++]!;
      await task().catch((error: unknown) => errors.push(error));
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  if (errors.length && !signal.aborted) throw errors[0];
}
