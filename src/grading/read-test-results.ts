/**
 * The one way to read a test run's results: from the result files the runner wrote
 * (JUnit XML, CTRF, jest/vitest JSON, `go test -json`, TAP), else from a machine format in
 * its output (`go test -json` lines, a jest/vitest JSON document, JUnit XML, TAP), else
 * from the text its reporter printed (node, vitest, jest, mocha, pytest, go, cargo). A
 * machine format wins over any text, so a line a test body printed (`--- PASS: TestFake`,
 * `ok 5 - fake`, `✓ fake`) is never a result when the runner wrote one. Among text readers
 * the one whose closing summary comes last wins: that runner ran, and the rest is what its
 * tests printed. When the report's own format states no totals, a runner's text summary
 * in the output gives the claim. Null when nothing recognisable is there (the runner
 * crashed before any test ran). Input is bounded (`input-limits.ts`) and never throws.
 *
 * @example
 * const report = readTestResults({ output, files: [{ path: 'junit.xml', content }] });
 * if (report) console.log(report.counts.failed, report.claimed?.failed);
 */
import { parseCtrfJson } from './ctrf-json.js';
import { lastJsonDocument, lastJUnitDocument, lastLineMatching } from './embedded-documents.js';
import { parseGoTestJson, readGoTestJsonLines } from './go-test-json.js';
import { readGoTestText } from './go-test-text.js';
import { readCargoTestText } from './cargo-test-text.js';
import {
  maxFileChars,
  maxFiles,
  maxOutputChars,
  maxTotalFileChars,
  tailOf,
} from './input-limits.js';
import { parseJestJson, readJestJson } from './jest-json.js';
import { readJestText } from './jest-text.js';
import { parseJUnitXml } from './junit-xml.js';
import { readMochaSpec } from './mocha-spec.js';
import { readNodeTestSpec } from './node-test-spec.js';
import { toPlainLines } from './plain-lines.js';
import { readPytestText } from './pytest-text.js';
import { parseTap, readTapLines } from './tap.js';
import { TestCaseCollector } from './test-case-collector.js';
import type { ClaimedCounts, ReadOptions, TestReport, TestReportFormat } from './test-results.js';
import type { TextReader, TextReading } from './text-reading.js';
import { readVitestText } from './vitest-text.js';

export interface ResultFile {
  path: string;
  content: string;
}

export interface TestRun extends ReadOptions {
  /** What the test command printed, stdout and stderr together. */
  output: string;
  /** Result files the runner wrote (JUnit XML, CTRF, …), read before the output. */
  files?: readonly ResultFile[];
}

type FileParser = (text: string, options: ReadOptions) => TestReport | null;

/** Tried on each result file, in this order; the first that reads it wins. */
const fileParsers: readonly FileParser[] = [
  parseJUnitXml,
  parseCtrfJson,
  parseJestJson,
  parseGoTestJson,
  parseTap,
];

/** Tried on the output's text when no machine format is there. */
const textReaders: readonly TextReader[] = [
  readNodeTestSpec,
  readVitestText,
  readJestText,
  readMochaSpec,
  readPytestText,
  readGoTestText,
  readCargoTestText,
];

export function readTestResults(run: TestRun): TestReport | null {
  const options: ReadOptions = run.root === undefined ? {} : { root: run.root };
  try {
    return read(run, options);
  } catch {
    // Every reader is written not to throw; this is the last guard for hostile input.
    return null;
  }
}

function read(run: TestRun, options: ReadOptions): TestReport | null {
  const output = tailOf(run.output, maxOutputChars);
  const rawLines = output.split('\n');
  let plainLines: string[] | null = null;
  const lines = () => (plainLines ??= toPlainLines(output));
  let texts: TextReading[] | null = null;
  const textReadings = () => (texts ??= readTexts(lines(), options));

  const machine =
    readFiles(run.files ?? [], options) ??
    embeddedUnlessLater(output, rawLines, lines(), options, textReadings);
  if (machine) {
    if (machine.claimed) return machine;
    return { ...machine, claimed: lastClaim(textReadings()) };
  }
  return bestText(textReadings());
}

/**
 * Text runners that may print their own summary beside a machine format in the output
 * (jest prints `Tests:` on stderr beside its `--json`), so that summary coming later
 * says nothing against the document.
 */
const sameRunner: Partial<Record<TestReportFormat, readonly TestReportFormat[]>> = {
  'go-test-json': ['go-test-text'],
  'jest-json': ['jest-text', 'vitest-text'],
  'junit-xml': ['vitest-text', 'jest-text', 'go-test-text'],
  tap: ['node-test-spec'],
};

/**
 * A machine format in the output, unless another runner's closing summary comes after it:
 * then a test body printed it (or an earlier command did), and that runner's text is what
 * ran last.
 */
function embeddedUnlessLater(
  output: string,
  rawLines: readonly string[],
  plainLines: readonly string[],
  options: ReadOptions,
  textReadings: () => TextReading[],
): TestReport | null {
  const embedded = readEmbedded(output, rawLines, plainLines, options);
  if (!embedded) return null;
  const allowed = sameRunner[embedded.report.format] ?? [];
  const later = textReadings().some(
    (r) => r.closingLine > embedded.endLine && !allowed.includes(r.report.format),
  );
  return later ? null : embedded.report;
}

/** The reports of the result files, of the format that read the most tests. */
function readFiles(files: readonly ResultFile[], options: ReadOptions): TestReport | null {
  const byFormat = new Map<TestReportFormat, TestReport[]>();
  let budget = maxTotalFileChars;
  for (const file of files.slice(0, maxFiles)) {
    if (budget <= 0) break;
    const content =
      file.content.length > maxFileChars ? file.content.slice(0, maxFileChars) : file.content;
    budget -= content.length;
    for (const parse of fileParsers) {
      const report = parse(content, options);
      if (!report) continue;
      const reports = byFormat.get(report.format) ?? [];
      reports.push(report);
      byFormat.set(report.format, reports);
      break;
    }
  }
  let best: TestReport | null = null;
  for (const [format, reports] of byFormat) {
    const merged = reports.length === 1 ? reports[0]! : merge(format, reports, options);
    if (!best || merged.tests.length > best.tests.length) best = merged;
  }
  return best;
}

/** One report of several files of one format (Surefire writes one per test class). */
function merge(
  format: TestReportFormat,
  reports: readonly TestReport[],
  options: ReadOptions,
): TestReport {
  const tests = new TestCaseCollector(format, options);
  for (const report of reports) {
    for (const test of report.tests) {
      if (tests.full) break;
      tests.add({
        id: test.id,
        name: test.name,
        suites: test.suite === null ? [] : [test.suite],
        file: test.file,
        status: test.status,
        durationMs: test.durationMs,
      });
    }
  }
  const claims = reports.map((r) => r.claimed);
  const claim = claims.every((c): c is ClaimedCounts => c !== null) ? sumClaims(claims) : null;
  const merged = tests.report(claim);
  return { ...merged, truncated: merged.truncated || reports.some((r) => r.truncated) };
}

function sumClaims(claims: readonly ClaimedCounts[]): ClaimedCounts | null {
  const [first, ...rest] = claims;
  if (!first) return null;
  const sum = { ...first };
  for (const claim of rest) {
    for (const key of ['total', 'passed', 'failed', 'skipped', 'errored'] as const) {
      const a = sum[key];
      const b = claim[key];
      sum[key] = a === null || b === null ? null : a + b;
    }
  }
  return sum;
}

interface Embedded {
  report: TestReport;
  /** The index of the document's last line in the output. */
  endLine: number;
}

const goTestEvent = /^\s*\{".*"Action"/;
const tapLine = /^ *(?:(?:not )?ok\b|1\.\.\d+|# (?:tests|pass|fail) \d+)/;

/** A machine format inside the output: `go test -json`, a JSON or XML report, TAP. */
function readEmbedded(
  output: string,
  rawLines: readonly string[],
  plainLines: readonly string[],
  options: ReadOptions,
): Embedded | null {
  const found = (report: TestReport | null, endLine: () => number): Embedded | null =>
    report && (report.tests.length > 0 || report.claimed) ? { report, endLine: endLine() } : null;
  const json = lastJsonDocument(output, rawLines, '"testResults"');
  const junit = lastJUnitDocument(output);
  return (
    found(readGoTestJsonLines(rawLines, options), () => lastLineMatching(rawLines, goTestEvent)) ??
    found(json && readJestJson(json.value, options), () => json?.endLine ?? -1) ??
    found(junit && parseJUnitXml(junit.value, options), () => junit?.endLine ?? -1) ??
    found(readTapLines(plainLines, options), () => lastLineMatching(plainLines, tapLine))
  );
}

/** What every text reader recognised: tests, or at least the runner's totals. */
function readTexts(lines: readonly string[], options: ReadOptions): TextReading[] {
  return textReaders
    .map((reader) => reader(lines, options))
    .filter(
      (r): r is TextReading => !!r && (r.report.tests.length > 0 || r.report.claimed !== null),
    );
}

/**
 * The runner that ran: the reading whose closing summary comes last; without any summary,
 * the one with the most tests.
 */
function bestText(readings: readonly TextReading[]): TestReport | null {
  let best: TextReading | null = null;
  for (const reading of readings) {
    if (
      !best ||
      reading.closingLine > best.closingLine ||
      (reading.closingLine === best.closingLine &&
        reading.report.tests.length > best.report.tests.length)
    ) {
      best = reading;
    }
  }
  return best?.report ?? null;
}

function lastClaim(readings: readonly TextReading[]): ClaimedCounts | null {
  const withClaim = readings.filter((r) => r.report.claimed !== null);
  return bestText(withClaim)?.claimed ?? null;
}
