/**
 * Reads TAP (versions 13 and 14): `ok`/`not ok` test points with their `# SKIP` and
 * `# TODO` directives, YAML diagnostics, subtests indented by four spaces (named by their
 * `# Subtest:` comment or by the test point that closes them), `Bail out!`, and the
 * closing comments node's test runner and tape print (`# tests 13`, `# pass 7`, …), which
 * are the runner's claim. A failed TODO is not a failure (TAP 14 says so): todo tests count
 * as skipped, as node counts them apart from pass and fail. Node's describe blocks (YAML
 * `type: 'suite'`) are suites, not tests; a test with subtests is a test too, as node
 * counts it. A test that node cancelled (`failureType: 'cancelledByParent'`) errored.
 *
 * Lines that are not TAP are ignored, so TAP inside other output is found. A test point
 * whose number repeats one already seen at its level replaces it (a test body that prints
 * `ok 5` before the runner's own `ok 5` does not win), and one beyond the plan is dropped.
 * Node prints a test body's output as `#` comments, which are never results.
 */
import { isTooDeep } from './input-limits.js';
import { TestCaseCollector } from './test-case-collector.js';
import {
  claimsAnything,
  emptyClaim,
  type ClaimedCounts,
  type ReadOptions,
  type TestReport,
  type TestStatus,
} from './test-results.js';

interface TapNode {
  name: string;
  status: TestStatus;
  durationMs: number | null;
  isSuite: boolean;
  children: TapNode[];
}

/** The test points at one indentation, in the order they were first seen. */
interface Level {
  indent: number;
  byNumber: Map<number, TapNode>;
  next: number;
  /** Points of a deeper level whose own parent point never came. */
  orphans: TapNode[];
  plan: number | null;
  /** The name from the latest `# Subtest:` comment at this level. */
  subtest: string | null;
}

const testPoint = /^( *)(not ok|ok)\b(?: +(\d+)\b)?(?: *- *| +)?(.*)$/;
const planLine = /^( *)1\.\.(\d+)\b/;
const versionLine = /^ *TAP version (\d+)\s*$/i;
const subtestComment = /^( *)# Subtest: (.*)$/;
const summaryComment = /^# (tests|pass|fail|cancelled|skipped|todo) (\d+)\s*$/;
const bailOut = /^ *Bail out!/i;

/** A TAP report, or null when `text` holds no TAP stream. */
export function parseTap(text: string, options: ReadOptions = {}): TestReport | null {
  return readTapLines(text.split('\n'), options);
}

export function readTapLines(
  lines: readonly string[],
  options: ReadOptions = {},
): TestReport | null {
  const reader = new TapReader();
  for (const raw of lines) {
    if (!reader.line(raw.endsWith('\r') ? raw.slice(0, -1) : raw)) break;
  }
  return reader.report(options);
}

class TapReader {
  readonly #done: TapNode[] = [];
  #levels: Level[] = [];
  #yaml: { indent: number; node: TapNode } | null = null;
  #lastPoint: { indent: number; node: TapNode } | null = null;
  #sawVersion = false;
  #rootPlans = 0;
  #rootPlanTotal = 0;
  #nested = false;
  /** The closing comments of each stream (a new `TAP version` starts another). */
  readonly #summaries: Map<string, number>[] = [new Map<string, number>()];

  /** Reads one line; false once the stream bailed out. */
  line(line: string): boolean {
    if (isTooDeep(line)) return true;
    if (this.#yaml && this.#yamlLine(line)) return true;
    if (this.#opensYaml(line)) return true;
    const point = testPoint.exec(line);
    if (point) {
      this.#point(point[1]!.length, point[2] === 'ok', point[3], point[4] ?? '');
      return true;
    }
    const version = versionLine.exec(line);
    if (version) {
      this.#newStream();
      return true;
    }
    const plan = planLine.exec(line);
    if (plan) {
      const level = this.#level(plan[1]!.length);
      level.plan = Number(plan[2]);
      if (level.indent === 0) {
        this.#rootPlans++;
        this.#rootPlanTotal += level.plan;
      }
      return true;
    }
    const subtest = subtestComment.exec(line);
    if (subtest) {
      this.#level(subtest[1]!.length).subtest = unescape(subtest[2]!);
      return true;
    }
    const summary = summaryComment.exec(line);
    if (summary) this.#summaries.at(-1)!.set(summary[1]!, Number(summary[2]));
    return !bailOut.test(line);
  }

  report(options: ReadOptions): TestReport | null {
    this.#closeLevelsAbove(-1);
    const hasPoints = this.#done.length > 0;
    if (!this.#sawVersion && !(this.#rootPlans > 0 && hasPoints)) return null;
    const tests = new TestCaseCollector('tap', options);
    const add = (node: TapNode, suites: string[]): void => {
      if (tests.full) return;
      if (!node.isSuite) {
        tests.add({ name: node.name, suites, status: node.status, durationMs: node.durationMs });
      }
      for (const child of node.children) add(child, [...suites, node.name]);
    };
    for (const node of this.#done) add(node, []);
    return tests.report(this.#claim());
  }

  #claim(): ClaimedCounts | null {
    const claim = emptyClaim('tap');
    const sum = (key: string, into: Exclude<keyof ClaimedCounts, 'source'>) => {
      for (const summary of this.#summaries) {
        const n = summary.get(key);
        if (n !== undefined) claim[into] = (claim[into] ?? 0) + n;
      }
    };
    sum('tests', 'total');
    sum('pass', 'passed');
    sum('fail', 'failed');
    sum('skipped', 'skipped');
    sum('todo', 'skipped');
    sum('cancelled', 'errored');
    if (claim.total === null && this.#rootPlans > 0 && !this.#nested) {
      claim.total = this.#rootPlanTotal;
    }
    return claimsAnything(claim) ? claim : null;
  }

  #newStream(): void {
    this.#closeLevelsAbove(-1);
    this.#sawVersion = true;
    if (this.#summaries.at(-1)!.size > 0) this.#summaries.push(new Map());
  }

  #point(indent: number, ok: boolean, number: string | undefined, rest: string): void {
    this.#yaml = null;
    const { description, directive } = splitDirective(rest);
    const children = this.#closeLevelsAbove(indent);
    const level = this.#level(indent);
    const name = description || level.subtest || '';
    level.subtest = null;
    let status: TestStatus = ok ? 'passed' : 'failed';
    if (directive === 'skip' || directive === 'todo') status = 'skipped';
    const node: TapNode = { name, status, durationMs: null, isSuite: false, children };
    if (children.length > 0) this.#nested = true;
    const id = number === undefined ? level.next : Number(number);
    level.next = Math.max(level.next, id + 1);
    level.byNumber.delete(id); // a repeated number: the later point replaces the earlier
    level.byNumber.set(id, node);
    this.#lastPoint = { indent, node };
  }

  /** YAML after a test point: `duration_ms`, `type` and `failureType` are read. */
  #yamlLine(line: string): boolean {
    const yaml = this.#yaml!;
    const body = ' '.repeat(yaml.indent + 2);
    if (line.trim() === '') return true;
    if (!line.startsWith(body)) {
      this.#yaml = null; // a YAML block that never closed ends where its indentation does
      return false;
    }
    const field = line.slice(body.length);
    if (field === '...') {
      this.#yaml = null;
      return true;
    }
    const match = /^(duration_ms|type|failureType): *'?([^']*)'?\s*$/.exec(field);
    if (match?.[1] === 'duration_ms') {
      const ms = Number(match[2]);
      if (Number.isFinite(ms)) yaml.node.durationMs = ms;
    } else if (match?.[1] === 'type') {
      yaml.node.isSuite = match[2] === 'suite';
    } else if (match?.[1] === 'failureType' && match[2] === 'cancelledByParent') {
      yaml.node.status = 'errored';
    }
    return true;
  }

  #level(indent: number): Level {
    let level = this.#levels.find((l) => l.indent === indent);
    if (!level) {
      level = { indent, byNumber: new Map(), next: 1, orphans: [], plan: null, subtest: null };
      this.#levels.push(level);
      this.#levels.sort((a, b) => a.indent - b.indent);
    }
    return level;
  }

  /**
   * Closes the levels indented deeper than `indent`: what the nearest one holds are the
   * subtests of the point at `indent` now arriving. At the end (`indent` -1) the root's
   * points are done.
   */
  #closeLevelsAbove(indent: number): TapNode[] {
    let children: TapNode[] = [];
    while (this.#levels.length > 0 && this.#levels.at(-1)!.indent > indent) {
      const level = this.#levels.pop()!;
      const points = pointsOf(level);
      // Points of a deeper level whose parent never closed belong to the next one up.
      const parent = this.#levels.at(-1);
      if (parent && parent.indent > indent) {
        for (const node of points) parent.orphans.push(node);
      } else if (indent === -1) {
        for (const node of points) this.#done.push(node);
      } else {
        children = points;
      }
    }
    return children;
  }

  /** After a test point (and maybe comments), `---` two spaces in opens its YAML. */
  #opensYaml(line: string): boolean {
    const last = this.#lastPoint;
    if (!last || line !== `${' '.repeat(last.indent + 2)}---`) return false;
    this.#yaml = last;
    this.#lastPoint = null;
    return true;
  }
}

function pointsOf(level: Level): TapNode[] {
  const points = [...level.byNumber.entries()];
  const planned = level.plan;
  const kept = points
    .filter(([n]) => planned === null || planned === 0 || n <= planned)
    .map(([, node]) => node);
  return [...kept, ...level.orphans];
}

/** The description and the directive of a test point: the first unescaped `#` starts it. */
function splitDirective(rest: string): { description: string; directive: string | null } {
  let hash = -1;
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '\\') i++;
    else if (rest[i] === '#') {
      hash = i;
      break;
    }
  }
  const description = unescape(hash === -1 ? rest : rest.slice(0, hash)).trim();
  if (hash === -1) return { description, directive: null };
  const directive = /^#\s*(skip|todo)\b/i.exec(rest.slice(hash));
  return { description, directive: directive ? directive[1]!.toLowerCase() : null };
}

function unescape(text: string): string {
  return text.replace(/\\([\\#])/g, '$1');
}
