/**
 * JSON with comments, as VS Code's configuration files (devcontainer.json, tsconfig.json)
 * are written: `//` and `/* *\/` comments and trailing commas are allowed. They are blanked
 * out (keeping every newline, so JSON.parse's positions still point at the right line) and
 * the rest is parsed as plain JSON.
 */

/** `text` with comments replaced by spaces and trailing commas removed; strings untouched. */
export function stripJsonComments(text: string): string {
  let out = '';
  let i = 0;
  // Index in `out` of the last comma outside a string, while only blanks have followed it.
  let pendingComma = -1;
  const blank = (s: string): string => s.replace(/[^\n]/g, ' ');
  while (i < text.length) {
    const ch = text[i] ?? '';
    const next = text[i + 1];
    if (ch === '"') {
      let end = i + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      out += text.slice(i, end + 1);
      i = end + 1;
      pendingComma = -1;
    } else if (ch === '/' && next === '/') {
      const end = text.indexOf('\n', i);
      const stop = end === -1 ? text.length : end;
      out += blank(text.slice(i, stop));
      i = stop;
    } else if (ch === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end === -1 ? text.length : end + 2;
      out += blank(text.slice(i, stop));
      i = stop;
    } else {
      if ((ch === '}' || ch === ']') && pendingComma !== -1) {
        out = `${out.slice(0, pendingComma)} ${out.slice(pendingComma + 1)}`;
      }
      if (ch === ',') pendingComma = out.length;
      else if (!/\s/.test(ch)) pendingComma = -1;
      out += ch;
      i += 1;
    }
  }
  return out;
}

/**
 * Parses JSON with comments and trailing commas; throws SyntaxError like JSON.parse.
 *
 * @example parseJsonc('{ "image": "node:22", // the base\n }') // { image: 'node:22' }
 */
export function parseJsonc(text: string): unknown {
  return JSON.parse(stripJsonComments(text));
}
