/**
 * The pull request text of `battle merge --pr`: the grade in a fenced block that no string
 * from a contestant's branch (a test name with backticks and a Markdown link) can close.
 */
import { describe, expect, it } from 'vitest';
import { battlePullRequestText } from './battle-pull-request.js';
import { sampleBattle, sampleContestant } from './battle-record.fixture.js';
import type { BattleResults } from './battle-results.js';
import { gradeContestant } from './grade.js';
import { sampleRun } from './grading-run.fixture.js';

const hostile = 'x ```` [click me](https://evil.example) @someone';

const record = sampleBattle(
  ['fix'],
  {
    id: 'battle-pr001',
    status: 'graded',
    base: 'c0ffee',
    contestants: [sampleContestant('fix', { agent: 'shell', instanceId: 'shell-aaaaa' })],
  },
  { prompt: '\nFix the dates\nin the report' },
);

const results: BattleResults = {
  base: null,
  gradingFiles: new Map(),
  grades: new Map([
    [
      'fix',
      gradeContestant({
        base: sampleRun({ 'a > ok': 'failed', [hostile]: 'passed' }),
        contestant: sampleRun({ 'a > ok': 'passed', [hostile]: 'failed' }),
        testFilesChanged: [],
      }),
    ],
  ]),
  ranked: [{ name: 'fix', rank: 1, reason: 'alone' }],
};

describe('battlePullRequestText', () => {
  it("titles it with the task's first line and fences every contestant string", () => {
    const { title, body } = battlePullRequestText(record, results, 'fix');
    expect(title).toBe('Fix the dates');
    expect(body).toContain('Corral-Battle: battle-pr001');
    expect(body).toContain('fail-to-pass: 1/1');
    expect(body).toContain(`broken: ${hostile}`);
    // The fence is longer than the test name's run of four backticks: it cannot be closed.
    const fence = /^(`{5,})text$/m.exec(body)?.[1];
    expect(fence).toBe('`````');
    const inside = body.slice(body.indexOf(`${fence}text`), body.lastIndexOf(fence!));
    expect(inside).toContain('[click me]');
    expect(body.slice(body.lastIndexOf(fence!))).not.toContain('[click me]');
  });
});
