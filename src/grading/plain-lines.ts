/**
 * A runner's text output as plain lines for the text readers: terminal escapes gone
 * (colours included, since a TTY reporter paints its marks), `\r\n` and a progress line's
 * `\r` rewrites resolved to what a terminal would last show, and each line cut to
 * `maxLineChars` so no pattern ever runs over an endless line.
 */
import { sanitizeTerminalText } from '../lib/terminal-text.js';
import { maxLineChars } from './input-limits.js';

// eslint-disable-next-line no-control-regex -- SGR is what is removed
const sgr = /\x1b\[[0-9;:]*m/g;

export function toPlainLines(text: string): string[] {
  const plain = sanitizeTerminalText(text).replace(sgr, '');
  return plain.split('\n').map(plainLine);
}

function plainLine(line: string): string {
  let text = line.endsWith('\r') ? line.slice(0, -1) : line;
  const cr = text.lastIndexOf('\r');
  if (cr !== -1) text = text.slice(cr + 1);
  return text.length > maxLineChars ? text.slice(0, maxLineChars) : text;
}
