import { describe, expect, it } from 'vitest';
import { LineSplitter, type Line } from './line-splitter.js';

function split(chunks: Buffer[], max?: number): Line[] {
  const lines: Line[] = [];
  const s = new LineSplitter((l) => lines.push(l), max);
  for (const c of chunks) s.push(c);
  s.end();
  return lines;
}

describe('LineSplitter', () => {
  it('splits across chunk boundaries and keeps a last unterminated line', () => {
    expect(split([Buffer.from('a\nb'), Buffer.from('c\r\nd')]).map((l) => l.text)).toEqual([
      'a',
      'bc',
      'd',
    ]);
  });

  it('cuts an over-long line once and resumes at the next newline', () => {
    const huge = Buffer.alloc(50 * 1024 * 1024, 0x41);
    const lines = split([Buffer.from('{"start":1}\n'), huge, Buffer.from('\nafter\n')], 1024);
    expect(lines.map((l) => [l.text.length, l.truncated])).toEqual([
      [11, false],
      [1024, true],
      [5, false],
    ]);
  });

  it('decodes invalid UTF-8 with replacement characters, never throwing', () => {
    const lines = split([Buffer.from([0x66, 0xff, 0xfe, 0x0a, 0xe2, 0x82])]);
    expect(lines.map((l) => l.text)).toEqual(['f\ufffd\ufffd', '\ufffd']);
  });
});
