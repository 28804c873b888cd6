/**
 * A contestant's diff in the battle report: a unified patch, each line escaped and given a
 * class (file header, hunk header, added, removed, context) so the stylesheet can colour it.
 * A contestant decides how big its diff is, so only the first `patchShownMaxChars` are shown,
 * cut at a line end, with a note of how much was left out: the report stays openable.
 */
import { markup, type Html } from '../../lib/html.js';

/** About 200 KB of patch text; the rest is counted, not shown. */
export const patchShownMaxChars = 200_000;

type LineKind = 'meta' | 'hunk' | 'add' | 'del' | 'ctx';

/**
 * Lines between a hunk header and the next file header are the hunk's: there a line that
 * starts with `---` was removed, it is not a file header.
 */
function classify(lines: readonly string[]): LineKind[] {
  let inHunk = false;
  return lines.map((line) => {
    if (line.startsWith('diff ')) inHunk = false;
    if (line.startsWith('@@')) {
      inHunk = true;
      return 'hunk';
    }
    if (!inHunk) return 'meta';
    if (line.startsWith('+')) return 'add';
    if (line.startsWith('-')) return 'del';
    return 'ctx';
  });
}

function countLines(text: string): number {
  if (text === '') return 0;
  const newlines = text.split('\n').length - 1;
  return text.endsWith('\n') ? newlines : newlines + 1;
}

const count = (n: number): string => n.toLocaleString('en');

/** The patch in a scrolling box; a sentence when there is none. */
export function renderPatch(patch: string | undefined): Html {
  if (patch === undefined) return markup`<p class="note">No diff was recorded.</p>`;
  if (patch.trim() === '') return markup`<p class="note">It changed nothing.</p>`;
  let shown = patch;
  let omitted: Html | null = null;
  if (patch.length > patchShownMaxChars) {
    const lineEnd = patch.lastIndexOf('\n', patchShownMaxChars);
    shown = patch.slice(0, lineEnd > 0 ? lineEnd + 1 : patchShownMaxChars);
    const rest = patch.slice(shown.length);
    omitted = markup`<p class="note">The diff is ${count(patch.length)} characters long: the last ${count(rest.length)} characters (${count(countLines(rest))} lines) are not shown.</p>`;
  }
  const lines = shown.replace(/\n$/, '').split('\n');
  const kinds = classify(lines);
  // Each line a block of its own, so its colour spans the box; no newline between them.
  const body = lines.map((line, i) => markup`<span class="${kinds[i] ?? 'ctx'}">${line}</span>`);
  return markup`<div class="diff"><pre>${body}</pre></div>${omitted}`;
}
