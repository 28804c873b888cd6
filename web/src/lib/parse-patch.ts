/**
 * A unified diff (what `GET /v1/instances/{ref}/diff` returns as `patch`) split into files
 * and classified lines, so the diff view can colour additions and deletions without ever
 * treating a line as anything but text.
 */
import { cleanText } from './clean-text.js';

export type PatchLineKind = 'add' | 'del' | 'hunk' | 'meta' | 'context';

export interface PatchLine {
  kind: PatchLineKind;
  text: string;
}

export interface PatchFile {
  path: string;
  lines: PatchLine[];
}

function kindOf(line: string, inHunk: boolean): PatchLineKind {
  if (line.startsWith('@@')) return 'hunk';
  if (!inHunk) return 'meta';
  if (line.startsWith('+')) return 'add';
  if (line.startsWith('-')) return 'del';
  if (line.startsWith('\\')) return 'meta';
  return 'context';
}

/** The path a `diff --git a/x b/y` header names (the new side), quoted names unquoted loosely. */
function pathOf(header: string): string {
  const m = /^diff --git "?a\/(.*?)"? "?b\/(.*?)"?$/.exec(header);
  return m?.[2] ?? header.slice('diff --git '.length);
}

/**
 * @example parsePatch('diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-old\n+new\n')
 *   // [{ path: 'x', lines: [meta, meta, meta, hunk, del 'old', add 'new'] }]
 */
export function parsePatch(patch: string): PatchFile[] {
  const files: PatchFile[] = [];
  let file: PatchFile | undefined;
  let inHunk = false;
  for (const raw of cleanText(patch).split('\n')) {
    if (raw.startsWith('diff --git ')) {
      file = { path: pathOf(raw), lines: [] };
      files.push(file);
      inHunk = false;
      continue;
    }
    if (!file) continue;
    if (raw.startsWith('@@')) inHunk = true;
    file.lines.push({ kind: kindOf(raw, inHunk), text: raw });
  }
  for (const f of files) {
    while (f.lines.length && f.lines.at(-1)?.text === '') f.lines.pop();
  }
  return files;
}
