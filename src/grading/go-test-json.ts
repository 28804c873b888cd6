/**
 * Reads `go test -json`: one JSON event a line (test2json's `{"Action":…,"Package":…,
 * "Test":…,"Elapsed":…}`), of which `pass`, `fail` and `skip` with a `Test` are results.
 * A result counts only for a test that had a `run` event in its package: before Go 1.20,
 * test2json read a test body's printed `--- PASS: TestFake` as a result of a test that
 * never ran, and those are dropped. A package that failed with no failing test in it (it
 * did not build, TestMain or a timeout panicked) is one errored entry named after the
 * package, as is a `FAIL pkg [build failed]` line that older Go prints as plain text.
 * go test prints no totals, so there is no claim.
 */
import { z } from 'zod';
import { TestCaseCollector } from './test-case-collector.js';
import type { ReadOptions, TestReport, TestStatus } from './test-results.js';

const GoTestEvent = z.object({
  Action: z.string(),
  Package: z.string(),
  Test: z.string().optional(),
  Elapsed: z.number().optional(),
});
type GoTestEvent = z.infer<typeof GoTestEvent>;

const results: Record<string, TestStatus> = { pass: 'passed', fail: 'failed', skip: 'skipped' };
const buildFailedLine = /^FAIL\s+(\S+)\s+\[(?:build|setup) failed\]\s*$/;

/** A report of `go test -json` events, or null when `text` holds none. */
export function parseGoTestJson(text: string, options: ReadOptions = {}): TestReport | null {
  return readGoTestJsonLines(text.split('\n'), options);
}

export function readGoTestJsonLines(
  lines: readonly string[],
  options: ReadOptions = {},
): TestReport | null {
  const tests = new TestCaseCollector('go-test-json', options);
  const ran = new Set<string>();
  const failedPackages = new Set<string>();
  /** Packages that failed as a whole, in order, and whether a test in each failed. */
  const packageFailures: string[] = [];
  let events = 0;
  for (const line of lines) {
    const event = eventOf(line);
    if (!event) {
      const buildFailed = buildFailedLine.exec(line.trim());
      if (buildFailed) packageFailures.push(buildFailed[1]!);
      continue;
    }
    events++;
    const pkg = event.Package;
    if (event.Test === undefined) {
      if (event.Action === 'fail') packageFailures.push(pkg);
      continue;
    }
    const key = `${pkg}\0${event.Test}`;
    if (event.Action === 'run') {
      ran.add(key);
      continue;
    }
    const status = results[event.Action];
    if (!status || !ran.has(key) || tests.full) continue;
    ran.delete(key);
    if (status === 'failed') failedPackages.add(pkg);
    tests.add({
      name: event.Test,
      suites: [pkg],
      status,
      durationMs: event.Elapsed === undefined ? null : event.Elapsed * 1000,
    });
  }
  if (events === 0) return null;
  for (const pkg of new Set(packageFailures)) {
    if (!failedPackages.has(pkg))
      tests.add({ name: pkg, suites: [pkg], id: pkg, status: 'errored' });
  }
  return tests.report(null);
}

function eventOf(line: string): GoTestEvent | null {
  const text = line.trim();
  if (!text.startsWith('{"') || !text.includes('"Action"')) return null;
  try {
    const parsed = GoTestEvent.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
