/** How every reader's tests are made into a report: clean names, stable unique ids, bounds. */
import { describe, expect, it } from 'vitest';
import { TestCaseCollector } from './test-case-collector.js';

describe('TestCaseCollector', () => {
  it('builds ids from file, suites and name, and counts statuses', () => {
    const tests = new TestCaseCollector('tap');
    tests.add({ name: 'adds', suites: ['math', 'sums'], file: 'a.test.js', status: 'passed' });
    tests.add({ name: 'fails', status: 'failed', durationMs: 3 });
    tests.add({ name: 'x', id: 'pkg/x.py::x', status: 'errored' });
    const report = tests.report();
    expect(report.tests).toEqual([
      {
        id: 'a.test.js > math > sums > adds',
        name: 'adds',
        suite: 'math > sums',
        file: 'a.test.js',
        status: 'passed',
        durationMs: null,
      },
      { id: 'fails', name: 'fails', suite: null, file: null, status: 'failed', durationMs: 3 },
      {
        id: 'pkg/x.py::x',
        name: 'x',
        suite: null,
        file: null,
        status: 'errored',
        durationMs: null,
      },
    ]);
    expect(report.counts).toEqual({ passed: 1, failed: 1, skipped: 0, errored: 1 });
    expect(report.truncated).toBe(false);
  });

  it('numbers repeated ids in order, never colliding with a real one', () => {
    const tests = new TestCaseCollector('tap');
    for (const name of ['same', 'same [2]', 'same', 'same']) tests.add({ name, status: 'passed' });
    expect(tests.report().tests.map((t) => t.id)).toEqual([
      'same',
      'same [2]',
      'same [3]',
      'same [4]',
    ]);
  });

  it('cleans escapes, control characters and line breaks, and bounds the length', () => {
    const tests = new TestCaseCollector('tap');
    tests.add({
      name: '\u001b[1mbold\u001b[0m\r\n\tnext\u001b]0;t\u0007 \u0007end',
      status: 'passed',
    });
    tests.add({ name: 'y'.repeat(10_000), status: 'passed' });
    tests.add({ name: ' \u001b[2J ', status: 'passed' });
    const [first, long, empty] = tests.report().tests;
    expect(first?.id).toBe('bold next end');
    expect([...(long?.id ?? '')]).toHaveLength(1000);
    expect(long?.id.endsWith('…')).toBe(true);
    expect(empty?.id).toBe('(unnamed)');
  });

  it('makes paths relative to the root (plain or a file:// URL) and drops ./', () => {
    const tests = new TestCaseCollector('jest-json', { root: '/work/repo' });
    tests.add({ name: 'a', file: '/work/repo/src/a.test.ts', status: 'passed' });
    tests.add({ name: 'b', file: 'file:///work/repo/src/b%20c.test.ts', status: 'passed' });
    tests.add({ name: 'c', file: './src/c.test.ts', status: 'passed' });
    tests.add({ name: 'd', file: '/elsewhere/d.test.ts', status: 'passed' });
    expect(tests.report().tests.map((t) => t.file)).toEqual([
      'src/a.test.ts',
      'src/b c.test.ts',
      'src/c.test.ts',
      '/elsewhere/d.test.ts',
    ]);
  });

  it('stops at its limit and says the report is truncated', () => {
    const tests = new TestCaseCollector('tap', {}, 2);
    expect(tests.add({ name: 'a', status: 'passed' })).toBe(true);
    expect(tests.add({ name: 'b', status: 'passed' })).toBe(true);
    expect(tests.add({ name: 'c', status: 'failed' })).toBe(false);
    const report = tests.report();
    expect(report.tests.map((t) => t.id)).toEqual(['a', 'b']);
    expect(report.counts.failed).toBe(0);
    expect(report.truncated).toBe(true);
  });
});
