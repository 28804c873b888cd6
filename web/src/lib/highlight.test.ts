import { describe, expect, it } from 'vitest';
import { grammarFor, highlightLine } from './highlight.js';

const kinds = (pieces: ReturnType<typeof highlightLine>) =>
  pieces.filter((p) => p.kind !== null).map((p) => [p.kind, p.text]);

describe('highlightLine', () => {
  it('colours a line by the language its extension names, and gives back every character', () => {
    const line = 'export const greet = (name: string) => `hi ${name}`; // say it';
    const pieces = highlightLine(line, grammarFor('src/greet.ts'));
    expect(pieces.map((p) => p.text).join('')).toBe(line);
    expect(kinds(pieces)).toEqual(
      expect.arrayContaining([
        ['keyword', 'export'],
        ['keyword', 'const'],
        ['builtin', 'string'],
        ['comment', '// say it'],
      ]),
    );
    expect(kinds(highlightLine('def f(x): return None', grammarFor('a/b.py')))).toEqual(
      expect.arrayContaining([
        ['keyword', 'def'],
        ['keyword', 'return'],
      ]),
    );
  });

  it('keeps markup as text, and an unknown language as one plain piece', () => {
    const html = '<img src=x onerror="alert(1)">';
    const pieces = highlightLine(html, grammarFor('page.html'));
    expect(pieces.map((p) => p.text).join('')).toBe(html);
    expect(pieces.length).toBeGreaterThan(1);
    expect(grammarFor('notes.unknown-ext')).toBeNull();
    expect(highlightLine(html, null)).toEqual([{ text: html, kind: null }]);
  });
});
