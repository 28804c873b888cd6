/**
 * The engine's services: everything the CLI and the API ask about instances, on top of the
 * orchestrator (the only way to the store and the backends) and the run host (the runs
 * supervised in this process). Runs in the engine process, or inside one command with the
 * engine inline. A record whose supervisor died is adopted here (the run goes on) the
 * moment anyone asks about it, and once when the engine starts.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { InstanceQuery } from '../store/instance-query.js';
import { readFile } from 'node:fs/promises';
import type { App } from '../app.js';
import { countLoggedEvents, readEventsAfter, type CorralEvent } from '../events/index.js';
import { CorralError } from '../lib/errors.js';
import { TerminalByteFilter } from '../lib/terminal-text.js';
import { pushInstance, type OutputChunk } from '../orchestrator/index.js';
import { isEnded, isSupervisorAlive, type Metadata } from '../state/index.js';
import type {
  BattleResultsBody,
  AllEventsOptions,
  FeedEntry,
  MergeBattleInput,
  MergeBattleResult,
  ProposeBattleInput,
  StartBattleInput,
  AnswerResult,
  CreateInstanceInput,
  DiffOptions,
  DiffResult,
  EngineApi,
  EngineStatus,
  FollowOptions,
  GcReportResult,
  OutputChunkEvent,
  PolicyResult,
  PushInput,
  PushResultType,
  RequestEnv,
  RequestsResult,
  ResumeInput,
} from './engine-api.js';
import type { BattleRecord } from '../orchestrator/battles/battle-record.js';
import type { BattleHost } from './battle-host.js';
import type { EventFeed } from './event-feed.js';
import { writeRemovalEvent } from './removal-event.js';
import type { RunHost } from './run-host.js';
import type { TerminalHub } from './terminal-hub.js';

export interface EngineServiceOptions {
  app: App;
  host: RunHost;
  /** Every hosted run's events as one stream. */
  feed: EventFeed;
  /** The battles driven here. */
  battles: BattleHost;
  version: string;
  socket: string;
  inline: boolean;
  /** The TCP address `corral serve` listens on, when it does. */
  tcp?: () => string | null;
  /** Stops the engine process (the engine's own way out). */
  onShutdown?: (options: { now: boolean }) => Promise<void>;
}

const pollMs = 100;
/** The most output bytes one chunk of a followed output carries. */
const outputPieceBytes = 256 * 1024;

export class EngineService implements EngineApi {
  readonly inline: boolean;
  readonly #started = Date.now();

  constructor(private readonly o: EngineServiceOptions) {
    this.inline = o.inline;
  }

  get #orchestrator() {
    return this.o.app.orchestrator;
  }

  status(): Promise<EngineStatus> {
    return Promise.resolve({
      pid: process.pid,
      version: this.o.version,
      startedAt: new Date(this.#started).toISOString(),
      uptimeMs: Date.now() - this.#started,
      socket: this.o.socket,
      tcp: this.o.tcp?.() ?? null,
      home: this.o.app.home,
      instances: this.o.host.ids(),
      rssBytes: process.memoryUsage.rss(),
      inline: this.inline,
    });
  }

  async shutdown(options: { now: boolean }): Promise<void> {
    await this.o.onShutdown?.(options);
  }

  /**
   * The terminal of terminal session `ref` running here, for someone to attach to
   * (server/terminal-socket.ts), or why there is none.
   */
  async findTerminal(
    ref: string,
  ): Promise<TerminalHub | { status: number; message: string; hint?: string }> {
    const m = await this.#orchestrator.store.resolve(ref);
    // A session hosted here opens its terminal as soon as its run begins.
    const deadline = Date.now() + 5000;
    let hub = this.o.host.terminal(m.id);
    while (!hub && m.interactive && this.o.host.has(m.id) && Date.now() < deadline) {
      await delay(50);
      hub = this.o.host.terminal(m.id);
    }
    if (hub && !hub.ended) return hub;
    if (!m.interactive) {
      return {
        status: 404,
        message: `${m.id} has no terminal: it was not started with -i.`,
        hint: 'Follow its output with corral logs -f.',
      };
    }
    return {
      status: 404,
      message: `${m.id} is ${m.status}; its terminal is not open here.`,
      hint: isEnded(m.status)
        ? 'See what it printed with corral logs.'
        : 'Only a session started with corral run -i -d has a terminal to attach to.',
    };
  }

  /**
   * A record the engine should take up: running (or being started) with nobody
   * supervising it. Its run goes on here; what it says is then current.
   */
  async #adoptIfOrphaned(m: Metadata): Promise<Metadata> {
    if (isEnded(m.status) || this.o.host.has(m.id)) return m;
    if (m.supervisor && isSupervisorAlive(m.supervisor)) return m;
    if (m.status === 'created' && !m.run) return this.#orchestrator.store.reconcile(m);
    if (m.run) {
      this.o.host.start(m.id, {}, { adopt: true });
      return m;
    }
    return this.#orchestrator.store.reconcile(m);
  }

  /** Every record whose run nobody supervises, taken up (once, when the engine starts). */
  async adoptOrphans(): Promise<string[]> {
    const adopted: string[] = [];
    for (const m of await this.#orchestrator.store.list()) {
      if (isEnded(m.status) || !m.run) continue;
      if (m.supervisor && isSupervisorAlive(m.supervisor)) continue;
      this.o.host.start(m.id, {}, { adopt: true });
      adopted.push(m.id);
    }
    return adopted;
  }

  async createInstance(input: CreateInstanceInput): Promise<Metadata> {
    const m = await this.#orchestrator.create(input.request, input.env, {
      detached: input.start,
    });
    if (input.start) this.o.host.start(m.id, input.env);
    return m;
  }

  async startInstance(ref: string, env: RequestEnv): Promise<Metadata> {
    const m = await this.#orchestrator.store.resolve(ref);
    if (m.status !== 'created') {
      throw new CorralError('INSTANCE_RUNNING', `${m.id} is ${m.status}, not waiting to start.`);
    }
    this.o.host.start(m.id, env);
    return m;
  }

  async getInstance(ref: string): Promise<Metadata> {
    return this.#adoptIfOrphaned(await this.#orchestrator.store.resolve(ref));
  }

  async listInstances(query: InstanceQuery): Promise<Metadata[]> {
    const queries = this.#orchestrator.queries;
    const repo = query.repo === undefined ? undefined : await queries.resolveRepo(query.repo);
    const found = await queries.list({ ...query, ...(repo !== undefined ? { repo } : {}) });
    const out: Metadata[] = [];
    for (const m of found) out.push(await this.#adoptIfOrphaned(m));
    return out;
  }

  async stopInstance(ref: string): Promise<Metadata> {
    const m = await this.getInstance(ref);
    return this.#orchestrator.stop(m.id);
  }

  async resumeInstance(ref: string, input: ResumeInput): Promise<Metadata> {
    // A run that just ended may still be releasing its sandbox: the next starts afresh.
    await this.o.host.whenReleased((await this.#orchestrator.store.resolve(ref)).id);
    const m = await this.#orchestrator.prepareResume(ref, input.command, {
      interactive: input.interactive,
      env: input.env,
      ...(input.timeoutMs ? { timeoutMs: input.timeoutMs } : {}),
      ...(input.prompt !== undefined ? { prompt: input.prompt } : {}),
      ...(input.budget ? { budget: input.budget } : {}),
    });
    if (input.start) this.o.host.start(m.id, input.env);
    return m;
  }

  /** Removes it; the joint stream then says so (removal-event.ts). */
  async removeInstance(
    ref: string,
    options: { force?: boolean; deleteBranch?: boolean },
  ): Promise<Metadata> {
    const { home } = this.o.app;
    const m = await this.#orchestrator.store.resolve(ref);
    await this.o.host.whenReleased(m.id);
    // Read before the removal takes its log: the removal is numbered after its last event.
    const last = await countLoggedEvents(this.#orchestrator.store.paths(m.id).events);
    const removed = await this.#orchestrator.remove(m.id, options);
    this.o.feed.add(await writeRemovalEvent(home, m.id, last + 1));
    return removed;
  }

  diff(ref: string, options: DiffOptions): Promise<DiffResult> {
    return this.#orchestrator.diff(ref, options);
  }

  async loadPolicy(ref: string): Promise<PolicyResult> {
    return this.#orchestrator.loadPolicy(ref);
  }

  async editPolicy(
    ref: string,
    edit: { change: 'allow' | 'deny'; hosts: string[] },
  ): Promise<PolicyResult> {
    await this.#orchestrator.editPolicy(ref, edit.change, edit.hosts);
    return this.#orchestrator.loadPolicy(ref);
  }

  gc(options: { dryRun: boolean }): Promise<GcReportResult> {
    return this.#orchestrator.collectGarbage(options);
  }

  push(ref: string, input: PushInput): Promise<PushResultType> {
    return pushInstance(this.#orchestrator.store, {
      ref,
      remote: input.remote,
      pullRequest: input.pullRequest,
      cwd: input.cwd,
      env: input.env,
      ...(input.base ? { base: input.base } : {}),
      log: this.o.app.log,
    });
  }

  listRequests(options: { ref?: string; all: boolean }): Promise<RequestsResult> {
    return this.#orchestrator.listRequests(options);
  }

  approveRequest(
    ref: string,
    n: number,
    options: { resume: boolean; env: RequestEnv },
  ): Promise<AnswerResult> {
    return this.#orchestrator.approveRequest(ref, n, options);
  }

  rejectRequest(ref: string, n: number, reason: string | null): Promise<AnswerResult> {
    return this.#orchestrator.rejectRequest(ref, n, reason);
  }

  startBattle(input: StartBattleInput): Promise<BattleRecord> {
    return this.o.battles.start(input);
  }

  resumeBattle(id: string, env: RequestEnv): Promise<BattleRecord> {
    return this.o.battles.resume(id, env);
  }

  stopBattle(id: string): Promise<BattleRecord> {
    return this.o.battles.stop(id);
  }

  getBattle(id: string): Promise<BattleRecord> {
    return this.o.battles.get(id);
  }

  getBattleResults(id: string): Promise<BattleResultsBody> {
    return this.o.battles.results(id);
  }

  listBattles(): Promise<BattleRecord[]> {
    return this.o.battles.list();
  }

  mergeBattle(id: string, input: MergeBattleInput): Promise<MergeBattleResult> {
    return this.o.battles.merge(id, {
      prune: input.prune,
      ...(input.contestant !== undefined ? { contestant: input.contestant } : {}),
    });
  }

  proposeBattle(
    id: string,
    input: ProposeBattleInput,
  ): Promise<PushResultType & { battle: string; contestant: string }> {
    return this.o.battles.propose(id, input);
  }

  followBattle(
    id: string,
    options: FollowOptions,
    onEvent: (event: CorralEvent) => void,
  ): Promise<void> {
    return this.o.battles.follow(id, options, onEvent);
  }

  async followEvents(
    ref: string,
    options: FollowOptions,
    onEvent: (event: CorralEvent) => void,
  ): Promise<void> {
    const m = await this.getInstance(ref);
    const path = this.#orchestrator.store.paths(m.id).events;
    let last = options.after;
    let replayed = false;
    if (last < 0) {
      await this.o.host.flush(m.id);
      last = (await readEventsAfter(path, m.id, 0)).at(-1)?.seq ?? 0;
    }
    const held: CorralEvent[] = [];
    const ended = deferred();
    const deliver = (event: CorralEvent) => {
      const seq = event.seq ?? last + 1;
      if (seq <= last) return;
      last = seq;
      onEvent(event);
    };
    // Live first (held back while the file is read), then the file, then the held ones. It
    // ends when the run's record is final (the host's onEnd), not at instance.ended, which
    // is said just before: a client that reads the record then must find it ended.
    const unwatch = options.follow
      ? this.o.host.watch(m.id, {
          onEvent: (event) => (replayed ? deliver(event) : held.push(event)),
          onEnd: () => ended.resolve(),
          ...(options.onNote ? { onNote: options.onNote } : {}),
        })
      : undefined;
    try {
      await this.o.host.flush(m.id);
      for (const event of await readEventsAfter(path, m.id, last)) deliver(event);
      replayed = true;
      for (const event of held.splice(0)) deliver(event);
      options.onReady?.(last);
      if (!options.follow) return;
      const aborted = abortPromise(options.signal);
      // Supervised elsewhere (a command with the engine inline): its file is polled.
      for (;;) {
        if (this.o.host.has(m.id)) {
          await Promise.race([ended.promise, aborted]);
          break;
        }
        const now = await this.getInstance(m.id);
        for (const event of await readEventsAfter(path, m.id, last)) deliver(event);
        if (isEnded(now.status) || options.signal?.aborted) break;
        await Promise.race([ended.promise, aborted, sleep(pollMs)]);
      }
      await this.o.host.flush(m.id);
      for (const event of await readEventsAfter(path, m.id, last)) deliver(event);
    } finally {
      unwatch?.();
    }
  }

  followAllEvents(options: AllEventsOptions, onEntry: (entry: FeedEntry) => void): Promise<void> {
    return this.o.feed.follow(options, onEntry);
  }

  async followOutput(
    ref: string,
    options: {
      from: number;
      follow: boolean;
      signal?: AbortSignal;
      onReady?: (offset: number) => void;
      onNote?: (line: string) => void;
    },
    onChunk: (chunk: OutputChunkEvent) => void | Promise<void>,
  ): Promise<void> {
    const m = await this.getInstance(ref);
    const path = this.#orchestrator.store.paths(m.id).output;
    const filter = new TerminalByteFilter();
    let position = options.from < 0 ? -1 : options.from;
    /** What `bytes` (at `offset` in the file) adds, in chunks to hand over in order. */
    const chunksOf = (stream: 'stdout' | 'stderr', bytes: Buffer, offset: number) => {
      const chunks: OutputChunkEvent[] = [];
      if (position < 0 || offset + bytes.length <= position) return chunks;
      const fresh = offset >= position ? bytes : bytes.subarray(position - offset);
      // In pieces: one 50 MB line must not become one message a client cannot take.
      for (let at = 0; at < fresh.length; at += outputPieceBytes) {
        const piece = fresh.subarray(at, at + outputPieceBytes);
        const start = position;
        position += piece.length;
        const text = filter.push(piece);
        if (text) chunks.push({ stream, text, offset: start, end: position });
      }
      return chunks;
    };
    // Live output is handed over as it comes; output read from the file at the reader's pace.
    const send = (stream: 'stdout' | 'stderr', bytes: Buffer, offset: number) => {
      for (const chunk of chunksOf(stream, bytes, offset)) void onChunk(chunk);
    };
    const readFrom = async () => {
      const data = await readFile(path).catch(() => Buffer.alloc(0));
      if (position < 0) position = data.length;
      if (data.length <= position) return;
      for (const chunk of chunksOf('stdout', data.subarray(position), position)) {
        await onChunk(chunk);
      }
    };
    let replayed = false;
    const held: OutputChunk[] = [];
    const ended = deferred();
    const unwatch = options.follow
      ? this.o.host.watch(m.id, {
          onOutput: (chunk) =>
            replayed ? send(chunk.stream, chunk.bytes, chunk.offset) : held.push(chunk),
          onEnd: () => ended.resolve(),
          ...(options.onNote ? { onNote: options.onNote } : {}),
        })
      : undefined;
    try {
      await readFrom();
      replayed = true;
      for (const chunk of held.splice(0)) send(chunk.stream, chunk.bytes, chunk.offset);
      options.onReady?.(Math.max(position, 0));
      if (options.follow) {
        const aborted = abortPromise(options.signal);
        for (;;) {
          if (this.o.host.has(m.id)) {
            await Promise.race([ended.promise, aborted]);
            break;
          }
          if (isEnded((await this.getInstance(m.id)).status) || options.signal?.aborted) break;
          await Promise.race([ended.promise, aborted, sleep(pollMs)]);
          if (ended.settled) break;
          await readFrom();
        }
        await readFrom();
      }
      const rest = filter.end();
      if (rest) {
        const at = Math.max(position, 0);
        await onChunk({ stream: 'stdout', text: rest, offset: at, end: at });
      }
    } finally {
      unwatch?.();
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function abortPromise(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!signal) return;
    if (signal.aborted) resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

function deferred(): { promise: Promise<void>; resolve: () => void; readonly settled: boolean } {
  let resolve!: () => void;
  let settled = false;
  const promise = new Promise<void>((r) => (resolve = r));
  return {
    promise,
    resolve: () => {
      settled = true;
      resolve();
    },
    get settled() {
      return settled;
    },
  };
}
