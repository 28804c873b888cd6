/**
 * Keeps secret values out of everything corral writes or prints: `redact(text)` replaces
 * each known value with `[redacted]`, and `stream()` does the same on a byte stream whose
 * chunks may split a secret in two (it holds back just enough of each chunk's tail).
 * Values shorter than 6 characters are not treated as secrets: they would match noise.
 */
const minSecretLength = 6;
export const redactedMark = '[redacted]';

export class Redactor {
  private readonly secrets: string[];
  private readonly longest: number;

  constructor(values: Iterable<string>) {
    this.secrets = [...new Set([...values].filter((v) => v.length >= minSecretLength))].sort(
      (a, b) => b.length - a.length,
    );
    this.longest = this.secrets[0]?.length ?? 0;
  }

  get active(): boolean {
    return this.secrets.length > 0;
  }

  redact(text: string): string {
    let out = text;
    for (const s of this.secrets) if (out.includes(s)) out = out.split(s).join(redactedMark);
    return out;
  }

  /** A chunk transformer: push chunks in, get redacted text out; `end()` flushes the rest. */
  stream(): { push(chunk: string): string; end(): string } {
    if (!this.active) return { push: (c) => c, end: () => '' };
    let pending = '';
    return {
      push: (chunk) => {
        const text = this.redact(pending + chunk);
        // A secret may start in the last (longest - 1) characters and finish in the next chunk.
        const keep = Math.min(text.length, this.longest - 1);
        pending = text.slice(text.length - keep);
        return text.slice(0, text.length - keep);
      },
      end: () => {
        const rest = this.redact(pending);
        pending = '';
        return rest;
      },
    };
  }
}
