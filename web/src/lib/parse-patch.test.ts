import { describe, expect, it } from 'vitest';
import { parsePatch } from './parse-patch.js';

const patch = [
  'diff --git a/notes.txt b/notes.txt',
  'new file mode 100644',
  '--- /dev/null',
  '+++ b/notes.txt',
  '@@ -0,0 +1,2 @@',
  '+hello',
  '+\u001b[31m<b>red</b>\u001b[0m',
  'diff --git a/src/a.ts b/src/a.ts',
  '--- a/src/a.ts',
  '+++ b/src/a.ts',
  '@@ -1,3 +1,3 @@',
  ' keep',
  '-old',
  '+new',
  '\\ No newline at end of file',
  '',
].join('\n');

describe('parsePatch', () => {
  it('splits the patch by file and classifies each line', () => {
    const files = parsePatch(patch);
    expect(files.map((f) => f.path)).toEqual(['notes.txt', 'src/a.ts']);
    expect(files[0]?.lines.map((l) => l.kind)).toEqual([
      'meta',
      'meta',
      'meta',
      'hunk',
      'add',
      'add',
    ]);
    expect(files[1]?.lines.map((l) => `${l.kind} ${l.text}`)).toEqual([
      'meta --- a/src/a.ts',
      'meta +++ b/src/a.ts',
      'hunk @@ -1,3 +1,3 @@',
      'context  keep',
      'del -old',
      'add +new',
      'meta \\ No newline at end of file',
    ]);
  });

  it('strips escape sequences and keeps markup as text', () => {
    expect(parsePatch(patch)[0]?.lines[5]?.text).toBe('+<b>red</b>');
  });
});
