/* eslint-disable no-control-regex -- these tests are about control characters */
import { describe, expect, it } from 'vitest';
import { TerminalTextFilter, sanitizeTerminalText, tableCell } from './terminal-text.js';

const ESC = '\x1b';

describe('sanitizeTerminalText', () => {
  it('keeps text, colours and the controls that only move the cursor', () => {
    const text = `plain ${ESC}[31mred${ESC}[0m ${ESC}[1;38;5;208mbold${ESC}[m\ttab\r\nline\bx`;
    expect(sanitizeTerminalText(text)).toBe(text);
  });

  it.each([
    ['OSC 52 (clipboard), BEL-terminated', `${ESC}]52;c;ZXZpbA==\x07`],
    ['OSC 52, ST-terminated', `${ESC}]52;c;ZXZpbA==${ESC}\\`],
    ['OSC 0 (window title)', `${ESC}]0;pwned\x07`],
    ['OSC 8 (hyperlink)', `${ESC}]8;;https://evil.example/\x07`],
    ['DCS', `${ESC}P+q544e${ESC}\\`],
    ['APC', `${ESC}_Gf=100;AAAA${ESC}\\`],
    ['PM', `${ESC}^private${ESC}\\`],
    ['SOS', `${ESC}Xstring${ESC}\\`],
    ['CSI device status report (makes the terminal answer)', `${ESC}[6n`],
    ['CSI primary device attributes', `${ESC}[c`],
    ['CSI window report', `${ESC}[21t`],
    ['CSI window resize', `${ESC}[8;100;100t`],
    ['CSI private mode (alternate screen)', `${ESC}[?1049h`],
    ['CSI cursor movement', `${ESC}[2J${ESC}[H`],
    ['SGR with a private marker', `${ESC}[?5m`],
    ['full reset', `${ESC}c`],
    ['charset designation', `${ESC}(0`],
    ['8-bit CSI', '\u009b6n'],
    ['8-bit OSC', '\u009d52;c;ZXZpbA==\u009c'],
    ['bell, shift-out and other C0 controls', '\x07\x0e\x0f\x00\x7f'],
  ])('drops %s', (_name, sequence) => {
    expect(sanitizeTerminalText(`before${sequence}after`)).toBe('beforeafter');
  });

  it('catches a sequence split across chunks, byte by byte', () => {
    const filter = new TerminalTextFilter();
    const input = `a${ESC}]52;c;ZXZpbA==\x07b${ESC}[31mc${ESC}[6nd`;
    let out = '';
    for (const char of input) out += filter.push(char);
    out += filter.end();
    expect(out).toBe(`ab${ESC}[31mcd`);
  });

  it('does not let a stray opener swallow the lines after it', () => {
    expect(sanitizeTerminalText(`x${ESC}]never closed\nnext line\n`)).toBe('x\nnext line\n');
  });

  it('never lets an escape through except a plain SGR', () => {
    const hostile = Array.from({ length: 2000 }, (_, i) =>
      String.fromCharCode((i * 7919) % 256),
    ).join('');
    const out = sanitizeTerminalText(hostile + `${ESC}[1m`);
    for (const m of out.matchAll(/\x1b/g)) {
      expect(out.slice(m.index)).toMatch(/^\x1b\[[0-9;:]*m/);
    }
    expect(out).not.toMatch(/[\u0080-\u009f]/);
  });
});

describe('tableCell', () => {
  it('puts a multi-line task on one line and marks a cut with an ellipsis', () => {
    expect(tableCell('fix the bug\nin src/a.ts\tnow', 20)).toBe('fix the bug in src/…');
    expect(tableCell(`${ESC}[31mred${ESC}[0m ${ESC}]0;t\x07ok`)).toBe('red ok');
    expect(tableCell('short', 20)).toBe('short');
  });
});
