/**
 * Where an agent's output goes while it runs. Bytes from the sandbox are redacted (no
 * credential value reaches a file or the terminal), appended to `output.log` as they came,
 * echoed to the terminal when there is one (escape sequences other than colours dropped:
 * they could write the clipboard or make the terminal answer), and split into lines that
 * the agent's adapter reads into events (stderr lines are kept as raw events; the event
 * sink sanitizes them). Nothing is dropped; a line too long to hold is cut and marked.
 */
import { StringDecoder } from 'node:string_decoder';
import type { Writable } from 'node:stream';
import type { AgentEvent, OutputParser } from '../agents/index.js';
import { LineSplitter, type CorralEvent, type EventBus } from '../events/index.js';
import type { Redactor } from '../lib/redactor.js';
import { TerminalByteFilter } from '../lib/terminal-text.js';

export interface OutputPipelineOptions {
  id: string;
  log: { write(chunk: Buffer): unknown };
  events: EventBus;
  redactor: Redactor;
  /** The adapter's parser; null for a terminal session (its output is not the agent's protocol). */
  parser: OutputParser | null;
  /** Live echo of the raw streams (the shell agent in a terminal), or null. */
  echo: { stdout: Writable; stderr: Writable } | null;
  /** Called with every event as it is written (live rendering, session ids). */
  onEvent: (event: CorralEvent) => void;
  /** Called with the output as written to the log (redacted, not yet terminal-safe). */
  onOutput?: (stream: 'stdout' | 'stderr', bytes: Buffer) => void;
}

class RedactedText {
  private readonly decoder = new StringDecoder('utf8');
  private readonly stream;
  constructor(private readonly redactor: Redactor) {
    this.stream = redactor.stream();
  }
  push(chunk: Buffer): Buffer {
    if (!this.redactor.active) return chunk;
    return Buffer.from(this.stream.push(this.decoder.write(chunk)));
  }
  end(): Buffer {
    if (!this.redactor.active) return Buffer.alloc(0);
    return Buffer.from(this.stream.push(this.decoder.end()) + this.stream.end());
  }
}

export class OutputPipeline {
  private readonly out: RedactedText;
  private readonly err: RedactedText;
  private readonly echoFilters = {
    stdout: new TerminalByteFilter(),
    stderr: new TerminalByteFilter(),
  };
  private readonly outLines: LineSplitter;
  private readonly errLines: LineSplitter;

  constructor(private readonly o: OutputPipelineOptions) {
    this.out = new RedactedText(o.redactor);
    this.err = new RedactedText(o.redactor);
    this.outLines = new LineSplitter((line) => this.emit(o.parser ? o.parser.line(line) : []));
    this.errLines = new LineSplitter((line) =>
      this.emit(line.text ? [{ type: 'raw', line: line.text, stream: 'stderr' }] : []),
    );
  }

  stdout(chunk: Buffer): void {
    this.write(this.out.push(chunk), 'stdout');
  }

  stderr(chunk: Buffer): void {
    this.write(this.err.push(chunk), 'stderr');
  }

  /** The streams ended: deliver what is held back and the parser's last events. */
  end(): void {
    this.write(this.out.end(), 'stdout');
    this.write(this.err.end(), 'stderr');
    for (const stream of ['stdout', 'stderr'] as const) {
      const rest = this.echoFilters[stream].end();
      if (rest) this.o.echo?.[stream].write(rest);
    }
    this.outLines.end();
    this.errLines.end();
    if (this.o.parser) this.emit(this.o.parser.end());
  }

  private write(bytes: Buffer, stream: 'stdout' | 'stderr'): void {
    if (bytes.length === 0) return;
    this.o.log.write(bytes);
    this.o.onOutput?.(stream, bytes);
    if (this.o.echo) {
      const safe = this.echoFilters[stream].push(bytes);
      if (safe) this.o.echo[stream].write(safe);
    }
    if (stream === 'stdout') {
      if (this.o.parser) this.outLines.push(bytes);
    } else {
      this.errLines.push(bytes);
    }
  }

  private emit(events: AgentEvent[]): void {
    for (const e of events) this.o.onEvent(this.o.events.push({ ...e, id: this.o.id }));
  }
}
