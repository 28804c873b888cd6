/** Contestants from `--agents` and from a battle file, and the names they get. */
import { describe, expect, it } from 'vitest';
import {
  BattleFile,
  checkContestantNames,
  contestantsFromFile,
  parseAgentsList,
} from './battle-spec.js';

describe('parseAgentsList', () => {
  it('expands counts, pins models and numbers repeated agents', () => {
    const list = parseAgentsList('claude:2, codex,claude@claude-sonnet-4-5');
    expect(list.map((c) => [c.name, c.agent, c.model])).toEqual([
      ['claude-1', 'claude', null],
      ['claude-2', 'claude', null],
      ['codex', 'codex', null],
      ['claude-claude-sonnet-4-5', 'claude', 'claude-sonnet-4-5'],
    ]);
  });

  it('refuses an entry it cannot read, and an empty list, in one line', () => {
    expect(() => parseAgentsList('claude,:3')).toThrow("--agents: ':3' is not an agent entry.");
    expect(() => parseAgentsList('claude:0')).toThrow(/not an agent entry/);
    expect(() => parseAgentsList(' , ')).toThrow('--agents names no contestant.');
  });
});

describe('contestantsFromFile', () => {
  const file = (contestants: unknown[]) => BattleFile.parse({ test: 'npm test', contestants });

  it('reads prompts, prompt files, commands and counts', () => {
    const read = (path: string) => `text of ${path}`;
    const list = contestantsFromFile(
      file([
        { agent: 'claude', name: 'Terse One', 'prompt-file': 'terse.md' },
        { agent: 'shell', command: 'make fix', count: 2 },
        { agent: 'codex', model: 'gpt-5', prompt: 'be careful' },
      ]),
      read,
    );
    expect(list.map((c) => [c.name, c.prompt, c.command, c.model])).toEqual([
      ['terse-one', 'text of terse.md', [], null],
      ['shell-1', null, ['sh', '-c', 'make fix'], null],
      ['shell-2', null, ['sh', '-c', 'make fix'], null],
      ['codex-gpt-5', 'be careful', [], 'gpt-5'],
    ]);
  });

  it('refuses a shell contestant without a command and two prompts', () => {
    expect(() => contestantsFromFile(file([{ agent: 'shell' }]), String)).toThrow(
      'battle file: contestants[0] is a shell contestant with no command.',
    );
    expect(() =>
      contestantsFromFile(file([{ agent: 'claude', prompt: 'a', 'prompt-file': 'b' }]), String),
    ).toThrow(/both prompt and prompt-file/);
  });

  it('refuses unknown keys (a typo is not silently ignored)', () => {
    expect(BattleFile.safeParse({ contestants: [{ agent: 'x', modle: 'y' }] }).success).toBe(false);
    expect(BattleFile.safeParse({ tset: 'x', contestants: [{ agent: 'x' }] }).success).toBe(false);
  });
});

describe('checkContestantNames', () => {
  it("refuses two of one name, and the name 'base'", () => {
    const [a] = parseAgentsList('claude');
    expect(() => checkContestantNames([a!, a!])).toThrow("Two contestants are named 'claude'.");
    expect(() => checkContestantNames([{ ...a!, name: 'base' }])).toThrow(/cannot be named 'base'/);
    expect(() => checkContestantNames(parseAgentsList('claude:2,codex'))).not.toThrow();
  });
});
