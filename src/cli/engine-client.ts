/**
 * The engine as the CLI reaches it: HTTP/JSON over its Unix socket, and its live streams as
 * Server-Sent Events. An error the engine answers with comes back as the CorralError it
 * was, so exit codes are the same as with the engine inline. A stream whose connection
 * drops (the engine was killed) is picked up again from the last event it delivered, once
 * `reconnect` has an engine answering again, so nothing is missed or shown twice. What the
 * engine says for people while it works on a request (progress, warnings, traces) comes
 * back as notes (server/note-stream.ts) and is handed to `onNote` as it happens.
 */
import type { InstanceQuery } from '../store/instance-query.js';
import { request, type IncomingMessage } from 'node:http';
import { createParser } from 'eventsource-parser';
import {
  ErrorBody,
  type AllEventsOptions,
  type AnswerResult,
  type CreateInstanceInput,
  type DiffOptions,
  type DiffResult,
  type EngineApi,
  type EngineStatus,
  type FeedEntry,
  type FollowOptions,
  type GcReportResult,
  type MergeBattleInput,
  type MergeBattleResult,
  type BattleResultsBody,
  type ProposeBattleInput,
  type StartBattleInput,
  listQueryToParams,
  type OutputChunkEvent,
  type PolicyResult,
  type PushInput,
  type PushResultType,
  type RequestEnv,
  type RequestsResult,
  type ResumeInput,
} from '../engine/engine-api.js';
import type { CorralEvent } from '../events/events.js';
import type { BattleRecord } from '../orchestrator/battles/battle-record.js';
import { CorralError, errorCodes } from '../lib/errors.js';
import type { Metadata } from '../state/metadata.js';

export interface RemoteEngineOptions {
  socket: string;
  /** Makes sure an engine answers again after a dropped stream (restarting it if need be). */
  reconnect: () => Promise<void>;
  /** Lines the engine says for people while it works on a request of this client. */
  onNote?: (line: string) => void;
  /** Ask for phase timings too (`CORRAL_TRACE=1`). */
  trace?: boolean;
}

/** The error a response body describes, as the CorralError it was. */
export function errorFromBody(status: number, body: unknown): Error {
  const parsed = ErrorBody.safeParse(body);
  if (!parsed.success) return new Error(`the engine answered ${status}`);
  const { code, message, hint } = parsed.data.error;
  if (code in errorCodes) {
    return new CorralError(code as keyof typeof errorCodes, message, hint ? { hint } : {});
  }
  return new Error(message);
}

class StreamDropped extends Error {}

export class RemoteEngine implements EngineApi {
  readonly inline = false;

  constructor(private readonly o: RemoteEngineOptions) {}

  async #call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const response = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(
        {
          socketPath: this.o.socket,
          path,
          method,
          headers: {
            ...this.#noteHeaders(),
            ...(payload
              ? {
                  'content-type': 'application/json',
                  'content-length': Buffer.byteLength(payload),
                }
              : {}),
          },
        },
        (res) => {
          if (res.headers['content-type']?.startsWith('text/event-stream')) {
            // Notes as the work goes, then the answer itself.
            let result: { status: number; body: string } | undefined;
            const parser = createParser({
              onEvent: (message) => {
                const data = JSON.parse(message.data) as { line?: string };
                if (message.event === 'note') this.o.onNote?.(data.line ?? '');
                if (message.event === 'result') result = data as typeof result;
              },
            });
            res.setEncoding('utf8');
            res.on('data', (text: string) => parser.feed(text));
            res.on('end', () =>
              result
                ? resolve({ status: result.status, text: result.body })
                : reject(new Error('the engine closed the connection before it answered')),
            );
            res.on('error', reject);
            return;
          }
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
    const parsed: unknown = response.text ? JSON.parse(response.text) : {};
    if (response.status >= 400) throw errorFromBody(response.status, parsed);
    return parsed as T;
  }

  #noteHeaders(): Record<string, string> {
    if (!this.o.onNote) return {};
    return { 'x-corral-notes': 'stream', ...(this.o.trace ? { 'x-corral-trace': '1' } : {}) };
  }

  status(): Promise<EngineStatus> {
    return this.#call('GET', '/v1/engine');
  }

  async shutdown(options: { now: boolean }): Promise<void> {
    await this.#call('POST', '/v1/engine/stop', options);
  }

  async createInstance(input: CreateInstanceInput): Promise<Metadata> {
    return (await this.#call<{ instance: Metadata }>('POST', '/v1/instances', input)).instance;
  }

  async startInstance(ref: string, env: RequestEnv): Promise<Metadata> {
    const path = `/v1/instances/${encodeURIComponent(ref)}/start`;
    return (await this.#call<{ instance: Metadata }>('POST', path, { env })).instance;
  }

  async getInstance(ref: string): Promise<Metadata> {
    const path = `/v1/instances/${encodeURIComponent(ref)}`;
    return (await this.#call<{ instance: Metadata }>('GET', path)).instance;
  }

  async listInstances(query: InstanceQuery): Promise<Metadata[]> {
    const q = new URLSearchParams(listQueryToParams(query));
    const path = `/v1/instances${q.size ? `?${q.toString()}` : ''}`;
    return (await this.#call<{ instances: Metadata[] }>('GET', path)).instances;
  }

  async stopInstance(ref: string): Promise<Metadata> {
    const path = `/v1/instances/${encodeURIComponent(ref)}/stop`;
    return (await this.#call<{ instance: Metadata }>('POST', path, {})).instance;
  }

  async resumeInstance(ref: string, input: ResumeInput): Promise<Metadata> {
    const path = `/v1/instances/${encodeURIComponent(ref)}/resume`;
    return (await this.#call<{ instance: Metadata }>('POST', path, input)).instance;
  }

  async removeInstance(
    ref: string,
    options: { force?: boolean; deleteBranch?: boolean },
  ): Promise<Metadata> {
    const q = `force=${Boolean(options.force)}&deleteBranch=${Boolean(options.deleteBranch)}`;
    const path = `/v1/instances/${encodeURIComponent(ref)}?${q}`;
    return (await this.#call<{ instance: Metadata }>('DELETE', path)).instance;
  }

  diff(ref: string, options: DiffOptions): Promise<DiffResult> {
    const path = `/v1/instances/${encodeURIComponent(ref)}/diff?stat=${options.stat}&color=${options.color}&since=${options.since ?? 'base'}`;
    return this.#call('GET', path);
  }

  loadPolicy(ref: string): Promise<PolicyResult> {
    return this.#call('GET', `/v1/instances/${encodeURIComponent(ref)}/policy`);
  }

  editPolicy(
    ref: string,
    edit: { change: 'allow' | 'deny'; hosts: string[] },
  ): Promise<PolicyResult> {
    return this.#call('POST', `/v1/instances/${encodeURIComponent(ref)}/policy`, edit);
  }

  gc(options: { dryRun: boolean }): Promise<GcReportResult> {
    return this.#call('POST', '/v1/gc', options);
  }

  push(ref: string, input: PushInput): Promise<PushResultType> {
    return this.#call('POST', `/v1/instances/${encodeURIComponent(ref)}/push`, input);
  }

  listRequests(options: { ref?: string; all: boolean }): Promise<RequestsResult> {
    const q = new URLSearchParams({ all: String(options.all) });
    if (options.ref) q.set('ref', options.ref);
    return this.#call('GET', `/v1/requests?${q.toString()}`);
  }

  approveRequest(
    ref: string,
    n: number,
    options: { resume: boolean; env: RequestEnv },
  ): Promise<AnswerResult> {
    return this.#call(
      'POST',
      `/v1/instances/${encodeURIComponent(ref)}/requests/${n}/approve`,
      options,
    );
  }

  rejectRequest(ref: string, n: number, reason: string | null): Promise<AnswerResult> {
    return this.#call('POST', `/v1/instances/${encodeURIComponent(ref)}/requests/${n}/reject`, {
      reason,
    });
  }

  async startBattle(input: StartBattleInput): Promise<BattleRecord> {
    return (await this.#call<{ battle: BattleRecord }>('POST', '/v1/battles', input)).battle;
  }

  async resumeBattle(id: string, env: RequestEnv): Promise<BattleRecord> {
    const path = `/v1/battles/${encodeURIComponent(id)}/resume`;
    return (await this.#call<{ battle: BattleRecord }>('POST', path, { env })).battle;
  }

  async stopBattle(id: string): Promise<BattleRecord> {
    const path = `/v1/battles/${encodeURIComponent(id)}/stop`;
    return (await this.#call<{ battle: BattleRecord }>('POST', path)).battle;
  }

  async getBattle(id: string): Promise<BattleRecord> {
    const path = `/v1/battles/${encodeURIComponent(id)}`;
    return (await this.#call<{ battle: BattleRecord }>('GET', path)).battle;
  }

  getBattleResults(id: string): Promise<BattleResultsBody> {
    return this.#call('GET', `/v1/battles/${encodeURIComponent(id)}/results`);
  }

  async listBattles(): Promise<BattleRecord[]> {
    return (await this.#call<{ battles: BattleRecord[] }>('GET', '/v1/battles')).battles;
  }

  mergeBattle(id: string, input: MergeBattleInput): Promise<MergeBattleResult> {
    return this.#call('POST', `/v1/battles/${encodeURIComponent(id)}/merge`, input);
  }

  proposeBattle(
    id: string,
    input: ProposeBattleInput,
  ): Promise<PushResultType & { battle: string; contestant: string }> {
    return this.#call('POST', `/v1/battles/${encodeURIComponent(id)}/propose`, input);
  }

  followBattle(
    id: string,
    options: FollowOptions,
    onEvent: (event: CorralEvent) => void,
  ): Promise<void> {
    return this.#followLog(`/v1/battles/${encodeURIComponent(id)}/events`, options, onEvent);
  }

  followAllEvents(options: AllEventsOptions, onEntry: (entry: FeedEntry) => void): Promise<void> {
    return this.#follow<FeedEntry>({
      path: (after) => `/v1/events?after=${after}&follow=${options.follow}`,
      from: options.after,
      readyAt: (ready) => (ready as { gseq: number }).gseq,
      item: 'event',
      itemAt: (entry) => entry.gseq,
      onItem: onEntry,
      options,
    });
  }

  followEvents(
    ref: string,
    options: FollowOptions,
    onEvent: (event: CorralEvent) => void,
  ): Promise<void> {
    return this.#followLog(`/v1/instances/${encodeURIComponent(ref)}/events`, options, onEvent);
  }

  /** One log's events (an instance's or a battle's) by their seq. */
  #followLog(
    path: string,
    options: FollowOptions,
    onEvent: (event: CorralEvent) => void,
  ): Promise<void> {
    return this.#follow<CorralEvent>({
      path: (after) => `${path}?after=${after}&follow=${options.follow}`,
      from: options.after,
      readyAt: (ready) => (ready as { seq: number }).seq,
      item: 'event',
      itemAt: (event, after) => event.seq ?? after,
      onItem: onEvent,
      options,
    });
  }

  followOutput(
    ref: string,
    options: {
      from: number;
      follow: boolean;
      signal?: AbortSignal;
      onReady?: (offset: number) => void;
      onNote?: (line: string) => void;
    },
    onChunk: (chunk: OutputChunkEvent) => void,
  ): Promise<void> {
    return this.#follow<OutputChunkEvent>({
      path: (from) =>
        `/v1/instances/${encodeURIComponent(ref)}/output?from=${from}&follow=${options.follow}`,
      from: options.from,
      readyAt: (ready) => (ready as { offset: number }).offset,
      item: 'output',
      itemAt: (chunk) => chunk.end,
      onItem: onChunk,
      options,
    });
  }

  /**
   * Follows one of the engine's streams by a cursor: the cursor moves with the `ready`
   * event (from there on a reconnect goes on from where the stream is, not "from now") and
   * with each item, so a dropped stream resumes exactly; notes (`&notes=true`, asked for
   * only when someone prints them) go to `onNote`.
   */
  async #follow<T>(how: {
    path: (cursor: number) => string;
    from: number;
    readyAt: (ready: unknown) => number;
    item: string;
    itemAt: (item: T, cursor: number) => number;
    onItem: (item: T) => void;
    options: {
      signal?: AbortSignal;
      onReady?: (cursor: number) => void;
      onNote?: (line: string) => void;
    };
  }): Promise<void> {
    const { options } = how;
    let cursor = how.from;
    let ready = false;
    await this.#stream(
      () => `${how.path(cursor)}${options.onNote ? '&notes=true' : ''}`,
      (type, data) => {
        if (type === 'note') options.onNote?.((JSON.parse(data) as { line: string }).line);
        if (type === 'ready') {
          cursor = how.readyAt(JSON.parse(data));
          if (!ready) options.onReady?.(cursor);
          ready = true;
        }
        if (type !== how.item) return;
        const item = JSON.parse(data) as T;
        cursor = how.itemAt(item, cursor);
        how.onItem(item);
      },
      options.signal,
    );
  }

  /** Reads one SSE stream to its `end` event, reconnecting (path recomputed) when it drops. */
  async #stream(
    path: () => string,
    onMessage: (type: string, data: string) => void,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (signal?.aborted) return;
      try {
        await this.#streamOnce(path(), onMessage, signal);
        return;
      } catch (error) {
        if (!(error instanceof StreamDropped) || signal?.aborted || attempt >= 20) throw error;
        await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** attempt, 2000)));
        await this.o.reconnect();
      }
    }
  }

  #streamOnce(
    path: string,
    onMessage: (type: string, data: string) => void,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let ended = false;
      const req = request(
        { socketPath: this.o.socket, path, headers: { accept: 'text/event-stream' } },
        (res: IncomingMessage) => {
          if ((res.statusCode ?? 0) >= 400) {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              let body: unknown = {};
              try {
                body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
              } catch {
                // not JSON: the status says enough
              }
              reject(errorFromBody(res.statusCode ?? 0, body));
            });
            return;
          }
          const parser = createParser({
            onEvent: (message) => {
              const type = message.event ?? 'message';
              if (type === 'end') {
                ended = true;
                req.destroy();
                resolve();
              } else if (type === 'error') {
                ended = true;
                req.destroy();
                reject(errorFromBody(500, JSON.parse(message.data)));
              } else {
                onMessage(type, message.data);
              }
            },
          });
          res.setEncoding('utf8');
          res.on('data', (text: string) => parser.feed(text));
          res.on('end', () => {
            if (!ended) reject(new StreamDropped('the engine closed the stream'));
          });
          res.on('error', () => {
            if (!ended) reject(new StreamDropped('the stream broke'));
          });
        },
      );
      const onAbort = () => {
        ended = true;
        req.destroy();
        resolve();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (ended) return;
        const dropped = ['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EPIPE'].includes(
          error.code ?? '',
        );
        reject(dropped ? new StreamDropped(error.message) : error);
      });
      req.on('close', () => signal?.removeEventListener('abort', onAbort));
      req.end();
    });
  }
}
