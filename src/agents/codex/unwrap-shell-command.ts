/**
 * Codex reports each command as the shell invocation it ran — `/bin/bash -lc 'cat a.txt'`
 * — where a person wants `cat a.txt`. This takes the script back out of a
 * `<shell> -c|-lc <one quoted word>` invocation; anything else is returned unchanged.
 */

const wrapper = /^(?:\S*\/)?(?:ba|z|da|k)?sh\s+-l?c\s+([\s\S]+)$/;

/** Reads one POSIX shell word (quotes and backslashes removed), or null if `text` is not exactly one word. */
function readWord(text: string): string | null {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i] ?? '';
    if (c === "'") {
      const close = text.indexOf("'", i + 1);
      if (close === -1) return null;
      out += text.slice(i + 1, close);
      i = close + 1;
    } else if (c === '"') {
      i++;
      for (;;) {
        if (i >= text.length) return null;
        const d = text[i] ?? '';
        if (d === '"') break;
        if (d === '\\' && '$`"\\\n'.includes(text[i + 1] ?? '')) {
          out += text[i + 1] ?? '';
          i += 2;
        } else {
          out += d;
          i++;
        }
      }
      i++;
    } else if (c === '\\') {
      if (i + 1 >= text.length) return null;
      out += text[i + 1] ?? '';
      i += 2;
    } else if (/\s/.test(c) || '|&;<>()$`*?[#~'.includes(c)) {
      // A second word, or something the shell would expand: not a plain quoted script.
      return null;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

export function unwrapShellCommand(command: string): string {
  const match = wrapper.exec(command.trim());
  const script = match?.[1] ? readWord(match[1]) : null;
  return script ?? command;
}
