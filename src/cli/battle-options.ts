/**
 * `corral battle`'s options and battle file into a BattleSpec: a flag given wins over the
 * file's key; every bad value is a one-line usage error naming the flag or the key.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  BattleFile,
  BattleSpec,
  checkContestantNames,
  contestantsFromFile,
  parseAgentsList,
  type ContestantSpec,
} from '../orchestrator/battles/battle-spec.js';
import {
  parseBudgetOptions,
  parseTokens,
  parseUsd,
  type BudgetOptionValues,
} from './model-options.js';
import { parseDuration } from './run-options.js';
import { usage } from './output.js';

export interface BattleOptionValues extends BudgetOptionValues {
  prompt?: string;
  agents?: string;
  file?: string;
  test?: string;
  setup?: string;
  build?: string;
  lint?: string;
  failToPass: string[];
  passToPass: string[];
  tests: string[];
  hiddenTests?: string;
  /** The same as `timeout` (the issue's name for it, beside the token and dollar budgets). */
  budgetTime?: string;
  timeout?: string;
  gradeTimeout?: string;
  parallel?: string;
  allowHost: string[];
  setupAllowHost: string[];
  setupEnv: string[];
  rank?: string;
  battleBudgetTime?: string;
  battleBudgetUsd?: string;
  battleBudgetTokens?: string;
}

export function battleSpecFromOptions(o: BattleOptionValues): BattleSpec {
  const file = o.file === undefined ? null : readBattleFile(o.file);
  const fileDir = o.file === undefined ? process.cwd() : dirname(resolve(o.file));
  let contestants: ContestantSpec[];
  if (o.agents !== undefined) contestants = parseAgentsList(o.agents);
  else if (file) {
    contestants = contestantsFromFile(file, (path) => readText(resolve(fileDir, path), path));
    contestants = contestants.map((c) => ({
      ...c,
      context: c.context.map((p) => resolve(fileDir, p)),
    }));
  } else throw usage('A battle needs contestants.', 'Give --agents claude,codex or -f battle.yml');
  checkContestantNames(contestants);
  const prompt = o.prompt ?? file?.prompt ?? null;
  const unprompted = contestants.find((c) => c.agent !== 'shell' && !c.prompt && !prompt);
  if (unprompted) {
    throw usage(`Contestant '${unprompted.name}' has no task.`, 'Give -p "<task>".');
  }
  const test = o.test ?? file?.test;
  if (!test)
    throw usage('A battle needs the test command that grades it.', 'Give --test "npm test".');
  if (o.timeout !== undefined && o.budgetTime !== undefined)
    throw usage('--budget-time and --timeout are the same limit.', 'Give one of them.');
  const timeout = o.timeout ?? o.budgetTime ?? file?.timeout;
  const gradeTimeout = o.gradeTimeout ?? file?.['grade-timeout'];
  return BattleSpec.parse({
    prompt,
    contestants,
    test,
    setup: o.setup ?? file?.setup ?? null,
    build: o.build ?? file?.build ?? null,
    lint: o.lint ?? file?.lint ?? null,
    failToPass: o.failToPass.length ? o.failToPass : (file?.['fail-to-pass'] ?? []),
    passToPass: o.passToPass.length ? o.passToPass : (file?.['pass-to-pass'] ?? []),
    tests: o.tests.length ? o.tests : (file?.tests ?? []),
    hiddenTests:
      hiddenTestsSource(o.hiddenTests, process.cwd()) ??
      hiddenTestsSource(file?.['hidden-tests'], fileDir),
    timeoutMs:
      timeout === undefined
        ? null
        : parseDuration(o.budgetTime !== undefined ? '--budget-time' : '--timeout', timeout),
    ...(gradeTimeout !== undefined
      ? { gradeTimeoutMs: parseDuration('--grade-timeout', gradeTimeout) }
      : {}),
    parallel: parseParallel(o.parallel) ?? file?.parallel ?? defaultParallel(),
    budget: parseBudgetOptions(o),
    allowHosts: o.allowHost.length ? o.allowHost : (file?.['allow-host'] ?? []),
    setupAllowHosts: o.setupAllowHost.length
      ? o.setupAllowHost
      : (file?.['setup-allow-host'] ?? []),
    setupEnv: o.setupEnv.length ? o.setupEnv : (file?.['setup-env'] ?? []),
    rank: o.rank ?? file?.rank ?? null,
    battleBudget: {
      timeMs: or(o.battleBudgetTime, file?.['battle-budget']?.time, (t) =>
        parseDuration('--battle-budget-time', t),
      ),
      usd: or(o.battleBudgetUsd, file?.['battle-budget']?.usd, (t) =>
        parseUsd(t, '--battle-budget-usd'),
      ),
      tokens: or(o.battleBudgetTokens, file?.['battle-budget']?.tokens, (t) =>
        parseTokens(t, '--battle-budget-tokens'),
      ),
    },
  });
}

/**
 * A directory of hidden tests, made absolute (the engine resolves nothing against this
 * command's directory); anything else is taken for a ref of the repository.
 */
function hiddenTestsSource(value: string | undefined, dir: string): string | null {
  if (value === undefined) return null;
  const path = resolve(dir, value);
  return existsSync(path) && statSync(path).isDirectory() ? path : value;
}

/** One sandbox per core, and at most one per 2 GiB of memory; at least one. */
export function defaultParallel(): number {
  const byMemory = Math.floor(totalmem() / 2 ** 31);
  return Math.max(1, Math.min(cpus().length, byMemory));
}

function readBattleFile(path: string): BattleFile {
  const text = readText(path, path);
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    throw usage(`${path} is not YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  const parsed = BattleFile.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.join('.') || '(the file)';
    throw usage(`${path}: ${where}: ${issue.message}.`, 'README "Battles" lists the keys.');
  }
  return parsed.data;
}

function readText(path: string, shown: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw usage(`Cannot read ${shown}: ${(error as NodeJS.ErrnoException).code ?? 'error'}.`);
  }
}

/** The flag's value parsed, else the file's, else null. */
function or<T>(
  flag: string | undefined,
  fromFile: string | number | undefined,
  parse: (text: string) => T,
): T | null {
  if (flag !== undefined) return parse(flag);
  return fromFile === undefined ? null : parse(String(fromFile));
}

function parseParallel(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw usage(`--parallel '${text}' is not a positive whole number.`);
  return n;
}
