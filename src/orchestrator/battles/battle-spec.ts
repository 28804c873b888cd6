/**
 * What a battle is asked to do: its contestants (each an agent, maybe pinned to a model,
 * maybe with a prompt of its own, or a `shell` command for a scripted baseline), the task,
 * and how the results are graded. Made from `--agents claude,codex,claude:2` or from a
 * battle file (YAML, validated here; README "Battles" documents it). Pure: no I/O, so the
 * CLI reads the file and the engine could take the same spec.
 */
import { z } from 'zod';
import { CorralError } from '../../lib/errors.js';
import { isValidInstanceId } from '../../lib/id.js';
import { ModelBudget, ModelName } from '../../protocol/model-policy.js';

export const ContestantSpec = z.object({
  /** Shown on the board and in the ranking; unique in the battle; part of its instance's name. */
  name: z.string(),
  agent: z.string(),
  /** The model its CLI is told to use (and the gateway holds it to). */
  model: ModelName.nullable().default(null),
  /** A prompt of its own (a prompt variant); else the battle's. */
  prompt: z.string().nullable().default(null),
  /** A shell contestant's command (argv), or extra arguments for an agent CLI. */
  command: z.array(z.string()).default([]),
  /** Files placed where the agent reads its instructions (absolute paths). */
  context: z.array(z.string()).default([]),
});
export type ContestantSpec = z.infer<typeof ContestantSpec>;

export const BattleSpec = z.object({
  /** The task every contestant is given (unless it has a prompt of its own). */
  prompt: z.string().nullable(),
  contestants: z.array(ContestantSpec).min(1),
  /** The repository's test command, run by `sh -c` in each grading sandbox. */
  test: z.string().min(1),
  /** Prepares a grading sandbox before the tests (`npm ci`…); null: none. */
  setup: z.string().nullable().default(null),
  /** Checks run after the setup, before the tests (`--build`, `--lint`); null: none. */
  build: z.string().nullable().default(null),
  lint: z.string().nullable().default(null),
  /** Tests that must go from failing to passing; empty: computed from the base's grade. */
  failToPass: z.array(z.string()).default([]),
  /** Tests that must keep passing; empty: computed (every test that passes on the base). */
  passToPass: z.array(z.string()).default([]),
  /** Git pathspecs of the protected test files, restored from the base before grading. */
  tests: z.array(z.string()).default([]),
  /** Tests no contestant sees, laid over the tree when grading: a directory (absolute) or a ref. */
  hiddenTests: z.string().nullable().default(null),
  /** Per contestant: its run is stopped (timed-out) after this long, its work kept. */
  timeoutMs: z.number().int().positive().nullable().default(null),
  /** Per grading run (setup and tests together). */
  gradeTimeoutMs: z
    .number()
    .int()
    .positive()
    .default(10 * 60_000),
  /** How many contestants run at once. */
  parallel: z.number().int().positive(),
  /** Each contestant's model budget (`--budget-tokens`, `--budget-usd`): past it, it is stopped. */
  budget: ModelBudget.default(ModelBudget.parse({})),
  /**
   * The whole battle's budget (`--battle-budget-time`, `-usd`, `-tokens`): once reached, the
   * contestants still running are stopped, their work kept and graded as it stands.
   */
  battleBudget: z
    .object({
      timeMs: z.number().int().positive().nullable().default(null),
      usd: z.number().positive().nullable().default(null),
      tokens: z.number().int().positive().nullable().default(null),
    })
    .default({ timeMs: null, usd: null, tokens: null }),
  /** Hosts the contestants' agents may reach besides their model API. */
  allowHosts: z.array(z.string()).default([]),
  /** Hosts a grading sandbox may reach (the setup's registry: `--setup-allow-host`). */
  setupAllowHosts: z.array(z.string()).default([]),
  /**
   * Names of the asking user's variables the setup alone gets (`--setup-env`), in every
   * sandbox it runs in; their values travel with each request, never into the record.
   */
  setupEnv: z.array(z.string()).default([]),
  /** The ranking rule (rank.ts): keys in order. */
  rank: z.string().nullable().default(null),
});
export type BattleSpec = z.infer<typeof BattleSpec>;

/**
 * `--agents claude,codex,claude:2,claude@claude-sonnet-4-5`: each entry an agent, `:N` for N
 * of the same, `@model` to pin its model. Repeated agents are named `claude-1`, `claude-2`…
 *
 * @example
 * parseAgentsList('claude:2,codex').map((c) => c.name) // ['claude-1', 'claude-2', 'codex']
 */
export function parseAgentsList(text: string): ContestantSpec[] {
  const entries: Array<{ agent: string; model: string | null }> = [];
  for (const raw of text.split(',')) {
    const entry = raw.trim();
    if (!entry) continue;
    const match = /^([a-z][a-z0-9-]*)(?:@([^:]+))?(?::(\d+))?$/.exec(entry);
    const count = match?.[3] === undefined ? 1 : Number(match[3]);
    if (!match || count < 1 || count > 32) {
      throw new CorralError('USAGE', `--agents: '${entry}' is not an agent entry.`, {
        hint: 'Write agent[@model][:count], comma-separated, e.g. claude,codex:2,claude@claude-sonnet-4-5',
      });
    }
    for (let i = 0; i < count; i++) entries.push({ agent: match[1]!, model: match[2] ?? null });
  }
  if (entries.length === 0) {
    throw new CorralError('USAGE', '--agents names no contestant.', {
      hint: 'E.g. --agents claude,codex',
    });
  }
  const keyOf = (e: { agent: string; model: string | null }) =>
    e.model === null ? e.agent : `${e.agent}-${e.model}`;
  const totals = new Map<string, number>();
  for (const e of entries) totals.set(keyOf(e), (totals.get(keyOf(e)) ?? 0) + 1);
  const seen = new Map<string, number>();
  return entries.map((e) => {
    const key = keyOf(e);
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    const name = totals.get(key)! > 1 ? `${key}-${n}` : key;
    return ContestantSpec.parse({ name: tameName(name), agent: e.agent, model: e.model });
  });
}

/** A battle file's contestant entry: keys as the README documents them. */
const FileContestant = z
  .object({
    agent: z.string(),
    name: z.string().optional(),
    model: ModelName.optional(),
    prompt: z.string().optional(),
    'prompt-file': z.string().optional(),
    command: z.union([z.string(), z.array(z.string())]).optional(),
    context: z.array(z.string()).optional(),
    count: z.number().int().min(1).max(32).optional(),
  })
  .strict();

/** A battle file (`corral battle -f battle.yml`): every key optional but the contestants. */
export const BattleFile = z
  .object({
    prompt: z.string().optional(),
    test: z.string().optional(),
    setup: z.string().optional(),
    build: z.string().optional(),
    lint: z.string().optional(),
    'fail-to-pass': z.array(z.string()).optional(),
    'pass-to-pass': z.array(z.string()).optional(),
    tests: z.array(z.string()).optional(),
    'hidden-tests': z.string().optional(),
    timeout: z.string().optional(),
    'grade-timeout': z.string().optional(),
    parallel: z.number().int().positive().optional(),
    'allow-host': z.array(z.string()).optional(),
    'setup-allow-host': z.array(z.string()).optional(),
    'setup-env': z.array(z.string()).optional(),
    rank: z.string().optional(),
    'battle-budget': z
      .object({
        time: z.string().optional(),
        usd: z.union([z.number(), z.string()]).optional(),
        tokens: z.union([z.number(), z.string()]).optional(),
      })
      .strict()
      .optional(),
    contestants: z.array(FileContestant).min(1),
  })
  .strict();
export type BattleFile = z.infer<typeof BattleFile>;

/**
 * The contestants of a parsed battle file. `readFile` reads a prompt file (relative paths
 * are the caller's to resolve); `shell` entries need a command (a string runs with `sh -c`).
 */
export function contestantsFromFile(
  file: BattleFile,
  readText: (path: string) => string,
): ContestantSpec[] {
  const out: ContestantSpec[] = [];
  for (const [i, c] of file.contestants.entries()) {
    const where = `contestants[${i}]`;
    if (c.prompt !== undefined && c['prompt-file'] !== undefined) {
      throw new CorralError('USAGE', `battle file: ${where} has both prompt and prompt-file.`, {
        hint: 'Keep one of them.',
      });
    }
    const command =
      c.command === undefined
        ? []
        : typeof c.command === 'string'
          ? ['sh', '-c', c.command]
          : c.command;
    if (c.agent === 'shell' && command.length === 0) {
      throw new CorralError(
        'USAGE',
        `battle file: ${where} is a shell contestant with no command.`,
        {
          hint: 'Give it command: "./scripts/baseline.sh" (or an argv list).',
        },
      );
    }
    const prompt = c['prompt-file'] !== undefined ? readText(c['prompt-file']) : (c.prompt ?? null);
    const count = c.count ?? 1;
    const base = c.name ?? (c.model === undefined ? c.agent : `${c.agent}-${c.model}`);
    for (let n = 1; n <= count; n++) {
      out.push(
        ContestantSpec.parse({
          name: tameName(count > 1 ? `${base}-${n}` : base),
          agent: c.agent,
          model: c.model ?? null,
          prompt,
          command,
          context: c.context ?? [],
        }),
      );
    }
  }
  return out;
}

/** Refuses two contestants of one name (they would share a row, a branch name and a report line). */
export function checkContestantNames(contestants: readonly ContestantSpec[]): void {
  const seen = new Set<string>();
  for (const c of contestants) {
    if (c.name === 'base') {
      throw new CorralError(
        'USAGE',
        "A contestant cannot be named 'base' (the base's grading is).",
        {
          hint: 'Give it another name (name: in the battle file).',
        },
      );
    }
    if (seen.has(c.name)) {
      throw new CorralError('USAGE', `Two contestants are named '${c.name}'.`, {
        hint: 'Give each a name of its own (name: in the battle file).',
      });
    }
    seen.add(c.name);
  }
}

/** Names end up in instance names: lowercase letters, digits and dashes. */
function tameName(name: string): string {
  const tame = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  if (!isValidInstanceId(tame)) {
    throw new CorralError('USAGE', `'${name}' cannot be a contestant's name.`, {
      hint: 'Use letters, digits and dashes.',
    });
  }
  return tame;
}
