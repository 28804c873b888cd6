/**
 * Splits an agent's output stream into lines without ever holding an unbounded line in
 * memory: a line longer than `maxLineBytes` (a 50 MB JSON blob, binary junk) is cut, the
 * first part delivered marked `truncated`, the rest skipped up to the next newline. Bytes
 * are decoded as UTF-8 with replacement, so invalid sequences never throw.
 */
import { StringDecoder } from 'node:string_decoder';

export interface Line {
  text: string;
  truncated: boolean;
}

export class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;
  private skipping = false;

  constructor(
    private readonly onLine: (line: Line) => void,
    private readonly maxLineBytes = 1024 * 1024,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      const end = nl === -1 ? chunk.length : nl;
      if (!this.skipping) this.append(chunk.subarray(start, end));
      if (nl === -1) return;
      this.flush();
      start = nl + 1;
    }
  }

  /** Delivers what is left (a last line without a newline). */
  end(): void {
    if (this.size > 0 || this.skipping) this.flush();
  }

  private append(piece: Buffer): void {
    const room = this.maxLineBytes - this.size;
    if (piece.length <= room) {
      this.parts.push(piece);
      this.size += piece.length;
      return;
    }
    this.parts.push(piece.subarray(0, room));
    this.size += room;
    this.deliver(true);
    this.skipping = true;
  }

  private flush(): void {
    if (this.skipping) {
      this.skipping = false;
      return;
    }
    this.deliver(false);
  }

  private deliver(truncated: boolean): void {
    const decoder = new StringDecoder('utf8');
    let text = decoder.write(Buffer.concat(this.parts, this.size)) + decoder.end();
    if (text.endsWith('\r')) text = text.slice(0, -1);
    this.parts = [];
    this.size = 0;
    this.onLine({ text, truncated });
  }
}
