/**
 * Reads `go test` text output: `--- PASS: TestA (0.00s)`, `--- FAIL: …`, `--- SKIP: …`
 * (subtests indented four spaces more, named `TestA/sub`), and each package's closing
 * `ok  	pkg	0.01s` or `FAIL	pkg	0.01s` line, which names the package of the results
 * before it (go prints one package's output at a time). With `-v`, every test first has
 * `=== RUN   TestA`: then a result for a test that never ran is a test body's printed
 * line and is dropped. A package that failed with no failing test in it (`FAIL pkg [build
 * failed]`, a panic in TestMain) is one errored entry. go test prints no totals: no claim.
 */
import { TestCaseCollector } from './test-case-collector.js';
import type { TextReading } from './text-reading.js';
import type { ReadOptions, TestStatus } from './test-results.js';

const resultLine = /^ *--- (PASS|FAIL|SKIP): (\S+) \((\d+(?:\.\d+)?)s\)\s*$/;
const runLine = /^=== RUN {3}(\S+)\s*$/;
/** `ok  	pkg	0.01s`, `ok  	pkg	(cached)`, `FAIL	pkg [build failed]`. */
const packageLine = /^(ok|FAIL)\s+(\S+)\s+(?:\(cached\)|[\d.]+s|\[[^\]]*\])/;
const statuses: Record<string, TestStatus> = { PASS: 'passed', FAIL: 'failed', SKIP: 'skipped' };

interface Pending {
  name: string;
  status: TestStatus;
  durationMs: number;
}

export function readGoTestText(
  lines: readonly string[],
  options: ReadOptions = {},
): TextReading | null {
  const tests = new TestCaseCollector('go-test-text', options);
  const verbose = lines.some((line) => runLine.test(line));
  let ran = new Set<string>();
  let pending: Pending[] = [];
  let closingLine = -1;
  let results = 0;
  const flush = (pkg: string | null, failed: boolean) => {
    for (const test of pending) {
      tests.add({
        name: test.name,
        suites: pkg ? [pkg] : [],
        status: test.status,
        durationMs: test.durationMs,
      });
    }
    if (pkg && failed && !pending.some((t) => t.status === 'failed')) {
      tests.add({ name: pkg, suites: [pkg], id: pkg, status: 'errored' });
    }
    pending = [];
    ran = new Set();
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const run = runLine.exec(line);
    if (run) {
      ran.add(run[1]!);
      continue;
    }
    const result = resultLine.exec(line);
    if (result) {
      const name = result[2]!;
      if (verbose && !ran.has(name)) continue;
      ran.delete(name);
      results++;
      pending.push({ name, status: statuses[result[1]!]!, durationMs: Number(result[3]) * 1000 });
      continue;
    }
    const pkg = packageLine.exec(line);
    if (pkg) {
      flush(pkg[2]!, pkg[1] === 'FAIL');
      closingLine = i;
    }
  }
  if (results === 0 && closingLine === -1) return null;
  flush(null, false);
  return { report: tests.report(null), closingLine };
}
