/**
 * Reads a JUnit XML report, in the dialects test runners write: jest-junit, pytest's
 * `--junitxml`, vitest's `junit` reporter, go-junit-report, Maven Surefire (one file per
 * class, `<testsuite>` as the root) and the like. A `<testcase>` with a `<failure>` failed,
 * with an `<error>` errored, with `<skipped>` was skipped, with none passed; Surefire's
 * `<flakyFailure>`/`<flakyError>` (failed, then passed on a rerun) leave it passed. Suites
 * may nest. The totals on the outermost elements (`tests`, `failures`, `errors`,
 * `skipped`) are the runner's claim. A document that is not well-formed XML (a file cut
 * short when the runner was killed) is not read at all: its results cannot be trusted.
 *
 * @example
 * parseJUnitXml(readFileSync('junit.xml', 'utf8'))?.counts; // { passed: 4, failed: 1, … }
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { TestCaseCollector } from './test-case-collector.js';
import {
  claimsAnything,
  emptyClaim,
  type ClaimedCounts,
  type ReadOptions,
  type TestReport,
  type TestStatus,
} from './test-results.js';

type XmlNode = Record<string, unknown>;

const listTags = new Set(['testsuites', 'testsuite', 'testcase']);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  parseAttributeValue: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  isArray: (tagName) => listTags.has(tagName),
  // The failure texts and captured output are not needed: not parsed, not decoded.
  stopNodes: ['*.system-out', '*.system-err', '*.failure', '*.error', '*.properties'],
  processEntities: {
    enabled: true,
    maxEntityCount: 20,
    maxEntitySize: 1000,
    maxTotalExpansions: 1000,
    maxExpandedLength: 100_000,
  },
  maxNestedTags: 64,
});

/** A JUnit report, or null when `text` is not one. */
export function parseJUnitXml(text: string, options: ReadOptions = {}): TestReport | null {
  if (!/<testsuites?[\s>/]/.test(text.slice(0, 64 * 1024))) return null;
  let root: XmlNode;
  try {
    if (XMLValidator.validate(text) !== true) return null;
    root = parser.parse(text) as XmlNode;
  } catch {
    return null;
  }
  // <testsuites> (its name says only which tool wrote it) or, as Surefire writes, <testsuite>.
  const tops = [...nodes(root.testsuites), ...nodes(root.testsuite).map(asSuite)];
  if (tops.length === 0) return null;
  const tests = new TestCaseCollector('junit-xml', options);
  const claim = emptyClaim('junit-xml');
  for (const top of tops) {
    addClaim(claim, top);
    readSuite(top, [], tests);
  }
  return tests.report(claimsAnything(claim) ? claim : null);
}

/** A root <testsuite> read as a <testsuites> that holds it. */
function asSuite(node: XmlNode): XmlNode {
  return { testsuite: [node] };
}

function readSuite(node: XmlNode, suites: readonly string[], tests: TestCaseCollector): void {
  for (const testcase of nodes(node.testcase)) {
    if (tests.full) return;
    readTestCase(testcase, suites, tests);
  }
  // Some writers nest <testsuite> in <testsuite>.
  for (const child of nodes(node.testsuite)) {
    const name = attr(child, 'name');
    readSuite(child, name ? [...suites, name] : suites, tests);
  }
}

function readTestCase(node: XmlNode, suites: readonly string[], tests: TestCaseCollector): void {
  const name = attr(node, 'name') ?? '';
  const classname = attr(node, 'classname');
  // jest-junit repeats the name in classname by default; vitest puts the file there.
  const suite = classname && classname !== name ? [classname] : suites;
  const seconds = Number(attr(node, 'time'));
  tests.add({
    name,
    suites: suite,
    file: attr(node, 'file'),
    status: statusOf(node),
    durationMs: attr(node, 'time') !== null && Number.isFinite(seconds) ? seconds * 1000 : null,
  });
}

function statusOf(node: XmlNode): TestStatus {
  if (node.error !== undefined) return 'errored';
  if (node.failure !== undefined) return 'failed';
  if (node.skipped !== undefined) return 'skipped';
  return 'passed';
}

/**
 * The totals of the outermost elements that state them. Writers differ: pytest puts them on
 * <testsuite> only, vitest and jest-junit leave `skipped` off <testsuites>, go-junit-report
 * leaves off a count that is zero; so an element without `skipped` whose suites have their
 * own totals defers to them, and a count left off a suite is zero.
 */
function addClaim(claim: ClaimedCounts, node: XmlNode): void {
  const children = nodes(node.testsuite);
  const total = count(node, 'tests');
  if (total === null || (children.length > 0 && count(node, 'skipped') === null)) {
    for (const child of children) addClaim(claim, child);
    return;
  }
  const failed = count(node, 'failures') ?? 0;
  const errored = count(node, 'errors') ?? 0;
  const skipped = count(node, 'skipped') ?? count(node, 'disabled') ?? 0;
  claim.total = (claim.total ?? 0) + total;
  claim.failed = (claim.failed ?? 0) + failed;
  claim.errored = (claim.errored ?? 0) + errored;
  claim.skipped = (claim.skipped ?? 0) + skipped;
  claim.passed = (claim.passed ?? 0) + Math.max(0, total - failed - errored - skipped);
}

function nodes(value: unknown): XmlNode[] {
  const list = Array.isArray(value) ? (value as unknown[]) : value === undefined ? [] : [value];
  return list.filter((v): v is XmlNode => !!v && typeof v === 'object');
}

function attr(node: XmlNode, name: string): string | null {
  const value = node[`@${name}`];
  return typeof value === 'string' ? decodeCharacterReferences(value) : null;
}

/** `&#10;` and `&#x41;`, which the parser leaves as they are. */
function decodeCharacterReferences(text: string): string {
  if (!text.includes('&#')) return text;
  return text.replace(/&#(x[0-9a-f]{1,6}|[0-9]{1,7});/gi, (whole, code: string) => {
    const point = code[0] === 'x' || code[0] === 'X' ? parseInt(code.slice(1), 16) : Number(code);
    return point <= 0x10ffff ? String.fromCodePoint(point) : whole;
  });
}

function count(node: XmlNode, name: string): number | null {
  const value = attr(node, name);
  if (value === null || !/^\s*\d+\s*$/.test(value)) return null;
  return Number(value);
}
