/**
 * How much of a test run the readers look at. The output and the result files come from a
 * sandbox where an agent wrote the code under test: it may print gigabytes, a million fake
 * result lines, or one endless line. Every reader works within these bounds, so reading a
 * run costs at most a few seconds whatever it printed.
 */

/** The output is read from its end (where a runner's results and summary are), this much. */
export const maxOutputChars = 8 * 1024 * 1024;
/** A result file is read from its start, this much; a longer XML or JSON file is not read. */
export const maxFileChars = 8 * 1024 * 1024;
/** Result files looked at; surefire writes one per test class. */
export const maxFiles = 10_000;
/** All result files together. */
export const maxTotalFileChars = 64 * 1024 * 1024;
/** Tests kept in one report; past this the report says `truncated`. */
export const maxTests = 100_000;
/** A longer line of text output is cut to this many characters before it is matched. */
export const maxLineChars = 16 * 1024;
/**
 * Indentation beyond which a line is not read as nested results (TAP subtests, describe
 * blocks): 64 levels of four spaces. Deeper lines are ignored, which bounds the nesting
 * every reader keeps track of.
 */
export const maxIndent = 256;
const tooDeep = ' '.repeat(maxIndent + 1);

/** Whether a line is indented past `maxIndent`. */
export function isTooDeep(line: string): boolean {
  return line.startsWith(tooDeep);
}
/** A name, suite or file longer than this is cut (with `…`). */
export const maxNameChars = 1000;

/** The last `max` characters of `text`. */
export function tailOf(text: string, max: number): string {
  return text.length > max ? text.slice(text.length - max) : text;
}
