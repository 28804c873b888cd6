// `npm run bench -- --only events`: how many normalized events per second corral's output
// pipeline parses and persists and hands to a live client (DESIGN target: ≥ 100k/s). The
// input is Claude Code stream-json as the CLI prints it (assistant text, tool calls, tool
// results, usage), fed in 64 KiB chunks to the real pipeline: redaction, output.log, line
// splitting, the adapter's parser, schema validation, the event bus, events.ndjson, and one
// Server-Sent Events client of the engine's API (its real server, over a Unix socket),
// timed until that client has the last event. The bare side, for a ratio, does the least a
// tool could: JSON.parse each line and append JSON.stringify of it to a file.
// Usage: node bench/events.mjs [--lines 200000 --runs 5]
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { median, option, root } from './lib.mjs';

const load = (path) => import(pathToFileURL(join(root, 'dist', path)).href);
const { getAgent } = await load('agents/index.js');
const { EventBus } = await load('events/index.js');
const { createApi } = await load('server/api.js');
const { createAdaptorServer } = await import('@hono/node-server');
const { Redactor } = await load('lib/redactor.js');
const { OutputPipeline } = await load('orchestrator/output-pipeline.js');

const lineCount = Number(option('lines', '200000'));
const runs = Number(option('runs', '5'));

/** One assistant turn of Claude Code's stream-json: text, a tool call, its result, usage. */
function turnLines(i) {
  const id = `toolu_${i.toString(36).padStart(8, '0')}`;
  return [
    {
      type: 'assistant',
      message: {
        id: `msg_${i}`,
        role: 'assistant',
        model: 'claude-x',
        content: [
          { type: 'text', text: `Step ${i}: reading the file to see what the test expects.` },
        ],
        usage: {
          input_tokens: 120,
          output_tokens: 30,
          cache_read_input_tokens: 900,
          cache_creation_input_tokens: 0,
        },
      },
      session_id: 's1',
    },
    {
      type: 'assistant',
      message: {
        id: `msg_${i}`,
        role: 'assistant',
        model: 'claude-x',
        content: [
          {
            type: 'tool_use',
            id,
            name: 'Bash',
            input: { command: `npm test -- --grep case${i}`, description: 'run the test' },
          },
        ],
      },
      session_id: 's1',
    },
    {
      type: 'user',
      message: {
        role: 'user',
        content: [
          {
            type: 'tool_result',
            tool_use_id: id,
            content: `ok ${i}\n  1 passing (12ms)\n`,
            is_error: false,
          },
        ],
      },
      session_id: 's1',
    },
  ].map((o) => JSON.stringify(o));
}

const lines = [];
for (let i = 0; lines.length < lineCount; i++) lines.push(...turnLines(i));
lines.length = lineCount;
const input = Buffer.from(lines.join('\n') + '\n');
const chunks = [];
for (let at = 0; at < input.length; at += 64 * 1024)
  chunks.push(input.subarray(at, at + 64 * 1024));

const scratch = mkdtempSync(join(tmpdir(), 'corral-bench-events-'));
let n = 0;

/**
 * The engine's API over a Unix socket, its events stream fed by `bus` (what the engine's
 * service does for a hosted run: the bus's events, live).
 */
async function serveBus(socket, bus) {
  const engine = {
    followEvents: (_ref, options, onEvent) =>
      new Promise((resolve) => {
        const off = bus.subscribe((event) => {
          onEvent(event);
          if (event.type === 'instance.ended') {
            off();
            resolve();
          }
        });
        options.onReady?.(0);
      }),
  };
  const server = createAdaptorServer({ fetch: createApi({ engine }).fetch });
  await new Promise((resolve) => server.listen(socket, resolve));
  return server;
}

/** An SSE client of the events stream; resolves with how many events it read, at the end. */
function sseClient(socket) {
  let ready;
  const isReady = new Promise((r) => (ready = r));
  const done = new Promise((resolve, reject) => {
    let count = 0;
    let tail = '';
    const req = request({ socketPath: socket, path: '/v1/instances/bench/events' }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (text) => {
        const all = tail + text;
        const cut = all.lastIndexOf('\n\n');
        if (cut < 0) return void (tail = all);
        const blocks = all.slice(0, cut);
        tail = all.slice(cut + 2);
        for (const block of blocks.split('\n\n')) {
          if (block.startsWith('event: ready')) ready();
          else if (block.startsWith('event: event')) count++;
          else if (block.startsWith('event: end')) resolve(count);
        }
      });
      res.on('end', () => resolve(count));
    });
    req.on('error', reject);
    req.end();
  });
  return { ready: isReady, done };
}

async function corral() {
  const dir = join(scratch, `c${n++}`);
  mkdirSync(dir);
  const redactor = new Redactor(['sk-ant-bench-not-a-real-key-0123456789']);
  const events = await EventBus.open(join(dir, 'events.ndjson'), 'claude-bench', {
    transform: (line) => redactor.redact(line),
  });
  const socket = join(dir, 'api.sock');
  const server = await serveBus(socket, events);
  const client = sseClient(socket);
  await client.ready;
  const log = createWriteStream(join(dir, 'output.log'));
  let count = 0;
  const t0 = process.hrtime.bigint();
  const pipeline = new OutputPipeline({
    id: 'claude-bench',
    log,
    events,
    redactor,
    parser: getAgent('claude').createParser(),
    echo: null,
    onEvent: () => count++,
  });
  // As a run's files are read: a chunk, then the event loop turns (the client is served).
  for (const chunk of chunks) {
    pipeline.stdout(chunk);
    await new Promise((resolve) => setImmediate(resolve));
  }
  pipeline.end();
  events.push({
    id: 'claude-bench',
    type: 'instance.ended',
    status: 'succeeded',
    exitCode: 0,
    durationMs: 0,
  });
  count++;
  await events.flush();
  await new Promise((resolve) => log.end(resolve));
  const received = await client.done;
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  server.close();
  if (statSync(join(dir, 'events.ndjson')).size === 0) throw new Error('no events written');
  if (received !== count) throw new Error(`the client got ${received} of ${count} events`);
  return { ms, count };
}

async function bare() {
  const path = join(scratch, `b${n++}.ndjson`);
  const t0 = process.hrtime.bigint();
  let pending = [];
  let count = 0;
  for (const line of input.toString('utf8').split('\n')) {
    if (!line) continue;
    pending.push(JSON.stringify(JSON.parse(line)) + '\n');
    count++;
    if (pending.length >= 1000) {
      await appendFile(path, pending.join(''));
      pending = [];
    }
  }
  await appendFile(path, pending.join(''));
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, count };
}

try {
  await bare();
  await corral(); // warm-up
  const b = [];
  const c = [];
  let events = 0;
  for (let i = 0; i < runs; i++) {
    b.push((await bare()).ms);
    const run = await corral();
    c.push(run.ms);
    events = run.count;
  }
  const perSecond = Math.round(events / (median(c) / 1000));
  const row = {
    name: 'events',
    runs,
    lines: lineCount,
    events,
    bareMedianMs: Math.round(median(b)),
    corralMedianMs: Math.round(median(c)),
    medianRatio: +median(b.map((x, i) => c[i] / x)).toFixed(2),
    eventsPerSecond: perSecond,
  };
  console.log(
    `events   ${lineCount} lines → ${events} events: bare ${row.bareMedianMs} ms, corral ${row.corralMedianMs} ms, ratio ${row.medianRatio}, ${perSecond} events/s (target ≥ 100000)`,
  );
  console.log(JSON.stringify({ bench: 'events', results: [row] }));
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
