/**
 * Where every reader puts the tests it finds, so that all reports are made the same way:
 * names, suites and files cleaned of terminal escapes and line breaks, paths made relative
 * to the repository, ids built from them and made unique, counts kept, and the number of
 * tests bounded (`maxTests`), past which `add` refuses and the report says `truncated`.
 *
 * @example
 * const tests = new TestCaseCollector('tap', options);
 * tests.add({ name: 'adds', suites: ['math'], status: 'passed', durationMs: 1.2 });
 * return tests.report(claim);
 */
import { tableCell } from '../lib/terminal-text.js';
import { maxNameChars, maxTests } from './input-limits.js';
import {
  emptyCounts,
  type ClaimedCounts,
  type ReadOptions,
  type TestCase,
  type TestReport,
  type TestReportFormat,
  type TestStatus,
} from './test-results.js';

export interface FoundTest {
  name: string;
  /** Enclosing suites, outermost first. */
  suites?: readonly string[];
  file?: string | null;
  status: TestStatus;
  durationMs?: number | null;
  /** An id the runner gives itself (pytest's node id); by default file > suites > name. */
  id?: string;
}

export const idSeparator = ' > ';

export class TestCaseCollector {
  readonly #tests: TestCase[] = [];
  readonly #ids = new Set<string>();
  /** The next number to try for a repeated id. */
  readonly #repeats = new Map<string, number>();
  readonly #counts = emptyCounts();
  readonly #root: string | null;
  #truncated = false;

  constructor(
    private readonly format: TestReportFormat,
    options: ReadOptions = {},
    private readonly limit = maxTests,
  ) {
    const root = options.root ? options.root.replace(/\/+$/, '') : '';
    this.#root = root ? `${root}/` : null;
  }

  get size(): number {
    return this.#tests.length;
  }

  /** No more tests are taken. */
  get full(): boolean {
    return this.#truncated;
  }

  /** Adds a test; false when the report is full (the test is not kept). */
  add(found: FoundTest): boolean {
    if (this.#tests.length >= this.limit) {
      this.#truncated = true;
      return false;
    }
    const file = found.file ? clean(this.#relative(found.file)) || null : null;
    // A file that failed as a whole is named after itself.
    const isFile = file !== null && found.name === found.file;
    const name = isFile ? file : clean(found.name) || '(unnamed)';
    const suites = (found.suites ?? []).map(clean).filter(Boolean);
    const given = found.id === undefined ? '' : clean(found.id);
    const path = isFile ? [file, ...suites] : [file ?? '', ...suites, name];
    const id = this.#unique(given || path.filter(Boolean).join(idSeparator));
    const durationMs =
      typeof found.durationMs === 'number' && Number.isFinite(found.durationMs)
        ? Math.max(0, found.durationMs)
        : null;
    this.#tests.push({
      id,
      name,
      suite: suites.length ? suites.join(idSeparator) : null,
      file,
      status: found.status,
      durationMs,
    });
    this.#counts[found.status]++;
    return true;
  }

  report(claimed: ClaimedCounts | null = null): TestReport {
    return {
      format: this.format,
      tests: this.#tests,
      counts: { ...this.#counts },
      claimed,
      truncated: this.#truncated,
    };
  }

  #relative(path: string): string {
    let p = path.startsWith('file://') ? safeDecode(path.slice('file://'.length)) : path;
    if (this.#root && p.startsWith(this.#root)) p = p.slice(this.#root.length);
    return p.startsWith('./') ? p.slice(2) : p;
  }

  #unique(id: string): string {
    let unique = id;
    if (this.#ids.has(id)) {
      let n = this.#repeats.get(id) ?? 2;
      while (this.#ids.has(`${id} [${n}]`)) n++;
      this.#repeats.set(id, n + 1);
      unique = `${id} [${n}]`;
    }
    this.#ids.add(unique);
    return unique;
  }
}

/** One line, terminal-safe, whitespace collapsed, bounded. */
export function clean(text: string): string {
  const bounded = text.length > maxNameChars * 4 ? text.slice(0, maxNameChars * 4) : text;
  return tableCell(bounded, maxNameChars).replace(/\s+/g, ' ');
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
