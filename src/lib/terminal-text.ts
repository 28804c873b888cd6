/**
 * Text from a sandbox, made safe for the host's terminal. A command's output may carry
 * escape sequences that do more than colour: OSC 52 writes the clipboard, OSC 0 the window
 * title, OSC 8 makes links, DCS/APC/PM/SOS strings reach terminal extensions, and some CSI
 * sequences make the terminal answer (device status, window reports) as if typed. Colours
 * and text attributes (SGR, `ESC [ … m`) stay, with plain text, newlines, tabs, carriage
 * returns and backspaces; every other escape sequence, C0 control and C1 control is
 * dropped. The filter keeps state, so a sequence split across chunks is still caught.
 *
 * @example
 * const filter = new TerminalTextFilter();
 * process.stdout.write(filter.push(chunk) + filter.end());
 */

import { StringDecoder } from 'node:string_decoder';

const ESC = 0x1b;
const BEL = 0x07;
/** C0 controls a terminal only moves the cursor for. */
const keptControls = new Set([0x09, 0x0a, 0x0d, 0x08]);
/** Longest CSI sequence kept in the buffer; a longer one is dropped. */
const maxSequenceLength = 64;

type State = 'text' | 'escape' | 'escape-intermediate' | 'csi' | 'string' | 'string-escape';

export class TerminalTextFilter {
  #state: State = 'text';
  #sequence = '';

  /** Filters the next piece of text; returns what may be written to a terminal. */
  push(text: string): string {
    let out = '';
    for (const char of text) {
      const code = char.codePointAt(0)!;
      switch (this.#state) {
        case 'text':
          out += this.#text(char, code);
          break;
        case 'escape':
          out += this.#escape(char, code);
          break;
        case 'escape-intermediate':
          // `ESC ( B` and the like: intermediates, then one final byte; all dropped.
          if (code < 0x20 || code > 0x2f) this.#state = 'text';
          break;
        case 'csi':
          out += this.#csi(char, code);
          break;
        case 'string':
          // OSC, DCS, APC, PM, SOS: dropped up to BEL or ST (ESC \ or U+009C). A newline
          // ends it too, so a stray opener does not swallow the rest of the output.
          if (code === BEL || code === 0x9c) this.#state = 'text';
          else if (code === ESC) this.#state = 'string-escape';
          else if (code === 0x0a) {
            this.#state = 'text';
            out += char;
          }
          break;
        case 'string-escape':
          this.#state = code === 0x5c ? 'text' : 'string';
          break;
      }
    }
    return out;
  }

  /** The input ended: an unfinished sequence is dropped. */
  end(): string {
    this.#state = 'text';
    this.#sequence = '';
    return '';
  }

  #text(char: string, code: number): string {
    if (code === ESC) {
      this.#state = 'escape';
      return '';
    }
    if (code === 0x9b) {
      this.#state = 'csi';
      this.#sequence = '\x1b[';
      return '';
    }
    if (code === 0x90 || code === 0x9d || code === 0x9e || code === 0x9f || code === 0x98) {
      this.#state = 'string';
      return '';
    }
    if ((code < 0x20 && !keptControls.has(code)) || code === 0x7f) return '';
    if (code >= 0x80 && code <= 0x9f) return '';
    return char;
  }

  #escape(char: string, code: number): string {
    if (char === '[') {
      this.#state = 'csi';
      this.#sequence = '\x1b[';
    } else if (char === ']' || char === 'P' || char === '_' || char === '^' || char === 'X') {
      this.#state = 'string';
    } else if (code >= 0x20 && code <= 0x2f) {
      this.#state = 'escape-intermediate';
    } else if (code === ESC) {
      this.#state = 'escape';
    } else {
      // A two-byte sequence (`ESC c` resets the terminal, `ESC 7` saves the cursor…): dropped.
      this.#state = 'text';
      if (code < 0x20) return this.#text(char, code);
    }
    return '';
  }

  #csi(char: string, code: number): string {
    if (code >= 0x40 && code <= 0x7e) {
      const sequence = this.#sequence + char;
      this.#state = 'text';
      this.#sequence = '';
      // Only SGR with plain numeric parameters: no private markers, no intermediates.
      // eslint-disable-next-line no-control-regex -- SGR is what is kept
      return char === 'm' && /^\x1b\[[0-9;:]*m$/.test(sequence) ? sequence : '';
    }
    if (code >= 0x20 && code <= 0x3f && this.#sequence.length < maxSequenceLength) {
      this.#sequence += char;
      return '';
    }
    // Not a CSI byte: the sequence is dropped and the character read as text.
    this.#state = 'text';
    this.#sequence = '';
    return this.#text(char, code);
  }
}

/** Anything the filter would look at twice: a control character, ESC or a C1 control. */
// eslint-disable-next-line no-control-regex
const needsFilter = /[\x00-\x07\x0b\x0c\x0e-\x1f\x7f-\x9f]/;

/** One piece of text, whole: what may reach a terminal of it. */
export function sanitizeTerminalText(text: string): string {
  if (!needsFilter.test(text)) return text;
  const filter = new TerminalTextFilter();
  return filter.push(text) + filter.end();
}

/**
 * Every string in a JSON-like value, sanitized. The input is not changed: what holds a
 * string that changed is copied; what holds none is returned as it is (most events carry
 * no control character, and copying each one cost a third of the event pipeline).
 */
export function sanitizeStrings<T>(value: T): T {
  if (typeof value === 'string') return sanitizeTerminalText(value) as T;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      const safe = sanitizeStrings(v);
      if (safe !== v) (out ??= value.slice())[i] = safe;
    }
    return (out ?? value) as T;
  }
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    let out: Record<string, unknown> | undefined;
    for (const k in object) {
      if (!Object.hasOwn(object, k)) continue;
      const v = object[k];
      const safe = sanitizeStrings(v);
      if (safe !== v) (out ??= { ...object })[k] = safe;
    }
    return (out ?? object) as T;
  }
  return value;
}

/** A byte stream's filter: decodes UTF-8 across chunk boundaries, then filters. */
export class TerminalByteFilter {
  readonly #decoder = new StringDecoder('utf8');
  readonly #filter = new TerminalTextFilter();
  push(chunk: Buffer): string {
    return this.#filter.push(this.#decoder.write(chunk));
  }
  end(): string {
    return this.#filter.push(this.#decoder.end()) + this.#filter.end();
  }
}

/**
 * Text for one cell of a table: terminal-safe, on one line (line breaks and tabs become
 * spaces, colours dropped too), and at most `max` characters, ending in `…` when cut.
 */
export function tableCell(text: string, max = Infinity): string {
  const flat = sanitizeTerminalText(text)
    // eslint-disable-next-line no-control-regex -- SGR is what is kept
    .replace(/\x1b\[[0-9;:]*m/g, '')
    .replace(/[\r\n\t\b]+/g, ' ')
    .trim();
  const chars = [...flat];
  return chars.length > max ? `${chars.slice(0, Math.max(0, max - 1)).join('')}…` : flat;
}
