/** `corral battle`'s flags and battle file into a spec: flags win, bad values are one line. */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { battleSpecFromOptions, type BattleOptionValues } from './battle-options.js';

const none: BattleOptionValues = {
  failToPass: [],
  passToPass: [],
  tests: [],
  allowHost: [],
  setupAllowHost: [],
  setupEnv: [],
};

async function battleFile(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'corral-battle-file-'));
  await writeFile(join(dir, 'terse.md'), 'Be terse.\n');
  await writeFile(join(dir, 'battle.yml'), text);
  return join(dir, 'battle.yml');
}

describe('battleSpecFromOptions', () => {
  it('reads a battle file, its prompt files beside it, and lets flags win', async () => {
    const file = await battleFile(
      [
        'prompt: fix it',
        'test: npm test',
        'timeout: 20m',
        'parallel: 3',
        'fail-to-pass: [adds]',
        'battle-budget: { time: 1h, usd: 20 }',
        'setup-env: [FROM_FILE]',
        'contestants:',
        '  - agent: claude',
        '    prompt-file: terse.md',
        '  - agent: codex',
      ].join('\n'),
    );
    const spec = battleSpecFromOptions({ ...none, file, test: 'make check', parallel: '1' });
    expect(spec).toMatchObject({
      prompt: 'fix it',
      test: 'make check',
      timeoutMs: 20 * 60_000,
      parallel: 1,
      failToPass: ['adds'],
      battleBudget: { timeMs: 3_600_000, usd: 20, tokens: null },
      setupEnv: ['FROM_FILE'],
    });
    expect(battleSpecFromOptions({ ...none, file, setupEnv: ['NPM_TOKEN'] }).setupEnv).toEqual([
      'NPM_TOKEN',
    ]);
    expect(spec.contestants.map((c) => [c.name, c.prompt])).toEqual([
      ['claude', 'Be terse.\n'],
      ['codex', null],
    ]);
  });

  it('takes --budget-time as the contestant timeout, and a hidden tests directory made absolute', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'corral-hidden-opt-'));
    const spec = battleSpecFromOptions({
      ...none,
      agents: 'claude',
      prompt: 'p',
      test: 'x',
      budgetTime: '90s',
      hiddenTests: dir,
    });
    expect(spec).toMatchObject({ timeoutMs: 90_000, hiddenTests: dir });
    const ref = battleSpecFromOptions({
      ...none,
      agents: 'c',
      prompt: 'p',
      test: 'x',
      hiddenTests: 'main:hidden',
    });
    expect(ref.hiddenTests).toBe('main:hidden');
  });

  it('says what is missing or wrong, in one line', async () => {
    expect(() => battleSpecFromOptions({ ...none, agents: 'claude', test: 'x' })).toThrow(
      "Contestant 'claude' has no task.",
    );
    expect(() => battleSpecFromOptions({ ...none, agents: 'claude', prompt: 'p' })).toThrow(
      'A battle needs the test command that grades it.',
    );
    expect(() => battleSpecFromOptions({ ...none, prompt: 'p', test: 'x' })).toThrow(
      'A battle needs contestants.',
    );
    expect(() =>
      battleSpecFromOptions({ ...none, agents: 'claude', prompt: 'p', test: 'x', timeout: 'soon' }),
    ).toThrow("--timeout 'soon' is not a duration.");
    const typo = await battleFile('test: x\ncontestants:\n  - agent: claude\n    modle: y\n');
    expect(() => battleSpecFromOptions({ ...none, file: typo, prompt: 'p' })).toThrow(
      /battle\.yml: contestants\.0: /,
    );
    expect(() =>
      battleSpecFromOptions({
        ...none,
        agents: 'claude',
        prompt: 'p',
        test: 'x',
        battleBudgetTokens: '1.5',
      }),
    ).toThrow("--battle-budget-tokens '1.5' is not a positive number of tokens.");
    const both = { ...none, agents: 'claude', prompt: 'p', test: 'x', timeout: '1m' };
    expect(() => battleSpecFromOptions({ ...both, budgetTime: '2m' })).toThrow(
      '--budget-time and --timeout are the same limit.',
    );
    const notYaml = await battleFile('contestants: [\n');
    expect(() => battleSpecFromOptions({ ...none, file: notYaml })).toThrow(/is not YAML/);
  });
});
