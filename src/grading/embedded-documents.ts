/**
 * Finds a machine-readable document inside a run's mixed output: the JSON that `jest
 * --json` or vitest's `json` reporter prints on one line, the XML vitest's `junit`
 * reporter prints when it has no output file. The last one wins: a runner prints its
 * report after every test body has run, so a fake one printed by a test comes earlier.
 */

export interface Found<T> {
  value: T;
  /** The index of the document's last line in the text. */
  endLine: number;
}

/**
 * The last line (or the whole text) that parses as a JSON object and contains `marker`
 * (a quick test before parsing). Lines are tried from the end, and parsing stops at the
 * first that succeeds.
 */
export function lastJsonDocument(
  text: string,
  lines: readonly string[],
  marker: string,
): Found<unknown> | null {
  const whole = text.trim();
  if (whole.startsWith('{') && whole.endsWith('}') && whole.includes(marker)) {
    const value = parseJsonObject(whole);
    if (value !== undefined) return { value, endLine: lines.length - 1 };
  }
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!.trim();
    if (!line.startsWith('{') || !line.includes(marker)) continue;
    const value = parseJsonObject(line);
    if (value !== undefined) return { value, endLine: i };
  }
  return null;
}

/**
 * The last `<testsuites>…</testsuites>` in the text, with the XML declaration before it;
 * or else the last root `<testsuite>…</testsuite>` (nested suites in it are not found).
 */
export function lastJUnitDocument(text: string): Found<string> | null {
  for (const tag of ['testsuites', 'testsuite']) {
    const close = text.lastIndexOf(`</${tag}>`);
    if (close === -1) continue;
    let start = text.lastIndexOf(`<${tag}`, close);
    while (start !== -1 && tag === 'testsuite' && text.startsWith('<testsuites', start)) {
      start = start === 0 ? -1 : text.lastIndexOf(`<${tag}`, start - 1);
    }
    if (start === -1) continue;
    const declaration = text.lastIndexOf('<?xml', start);
    const between = declaration === -1 ? '' : text.slice(declaration, start);
    const from = declaration !== -1 && /^<\?xml[^>]*\?>\s*$/.test(between) ? declaration : start;
    const end = close + tag.length + 3;
    return { value: text.slice(from, end), endLine: countLines(text, end) };
  }
  return null;
}

/** The index of the line that holds `offset`. */
function countLines(text: string, offset: number): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** The index of the last line that matches. */
export function lastLineMatching(lines: readonly string[], pattern: RegExp): number {
  for (let i = lines.length - 1; i >= 0; i--) if (pattern.test(lines[i]!)) return i;
  return -1;
}

/** `text` as a JSON object, or undefined (not JSON, or not an object). */
export function parseJsonObject(text: string): unknown {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
