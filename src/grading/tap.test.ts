/**
 * The TAP reader over a TAP 14 stream with subtests written to the specification's shape
 * (4-space indented child streams with a leading `# Subtest:` comment and a closing test
 * point, 2-space YAML, `\#` escapes, SKIP and TODO directives), and over streams that are
 * odd or hostile. Node's own TAP (`--test-reporter=tap`) is read from the real runner in
 * real-runners.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { fixture, statusesOf } from '../../test/fixtures/grading/fixtures.js';
import { parseTap } from './tap.js';

describe('parseTap', () => {
  it('reads TAP 14 subtests, directives and escapes', () => {
    const report = parseTap(fixture('tap14-subtests.tap'));
    expect(statusesOf(report)).toEqual([
      'failed parser',
      'passed parser > reads numbers',
      'failed parser > reads names',
      'skipped parser > reads # comments',
      'passed writer',
      'passed writer > escaping',
      'passed writer > escaping > escapes quotes',
      'skipped writer > wraps long lines',
      'passed stands alone',
      'failed crashes',
    ]);
    expect(report?.counts).toEqual({ passed: 5, failed: 3, skipped: 2, errored: 0 });
    expect(report?.tests[1]?.suite).toBe('parser');
    // The plan counts the four top-level points only; with subtests it is no total.
    expect(report?.claimed).toBeNull();
  });

  it('takes the plan as the total of a flat stream', () => {
    const report = parseTap('TAP version 13\n1..3\nok 1 - a\nnot ok 2 - b\nok 3 - c # skip why\n');
    expect(statusesOf(report)).toEqual(['passed a', 'failed b', 'skipped c']);
    expect(report?.claimed).toMatchObject({ source: 'tap', total: 3, passed: null });
  });

  it('numbers points that have no number, and names them by their description', () => {
    const report = parseTap('TAP version 14\nok\nnot ok - second\nok third\n1..3\n');
    expect(statusesOf(report)).toEqual(['passed (unnamed)', 'failed second', 'passed third']);
  });

  it("lets the runner's point replace a fake one with the same number printed before it", () => {
    const tap =
      'TAP version 14\n1..2\nok 2 - fake printed by test 1\nnot ok 1 - one\nnot ok 2 - two\n';
    expect(statusesOf(parseTap(tap))).toEqual(['failed one', 'failed two']);
  });

  it('drops points numbered beyond the plan', () => {
    const tap = 'TAP version 14\n1..1\nnot ok 1 - real\nok 99 - fake\n';
    expect(statusesOf(parseTap(tap))).toEqual(['failed real']);
  });

  it('stops at Bail out!', () => {
    const report = parseTap('TAP version 14\n1..3\nok 1 - a\nBail out! no database\nok 2 - b\n');
    expect(statusesOf(report)).toEqual(['passed a']);
  });

  it('keeps the subtests of a parent that never closed (the output was cut)', () => {
    const report = parseTap(
      'TAP version 14\n# Subtest: open\n    ok 1 - inner\n    not ok 2 - inner two\n',
    );
    expect(statusesOf(report)).toEqual(['passed inner', 'failed inner two']);
  });

  it('returns null for text that is not TAP', () => {
    expect(parseTap('')).toBeNull();
    expect(parseTap('all good\nok then\n')).toBeNull();
    expect(parseTap('  ✓ adds (3 ms)\nTests: 1 passed, 1 total\n')).toBeNull();
  });

  it('cleans names of escapes and control characters', () => {
    const report = parseTap(
      'TAP version 14\nok 1 - \u001b[31mred\u001b[0m \u001b]0;title\u0007name\u0000\n1..1\n',
    );
    expect(report?.tests[0]?.id).toBe('red name');
  });

  it('ignores a YAML block that never ends once its indentation does', () => {
    const tap = 'TAP version 14\nnot ok 1 - a\n  ---\n  message: x\nok 2 - b\n1..2\n';
    expect(statusesOf(parseTap(tap))).toEqual(['failed a', 'passed b']);
  });
});
