// `npm run bench -- --only index`: the SQLite index, in two measurements.
//
// journal: rows appended to the event journal per second, through EventJournal.append in
// batches (one prepared statement, one transaction per batch), 20 instances interleaved
// (target: 100,000 rows/s sustained, so the slowest stretch of `--window` rows counts, not
// the average). The bare side, for a ratio, is the least a tool could do with
// better-sqlite3: the same rows into a table of the same columns with no constraint, one
// prepared statement in one transaction per batch, same pragmas.
//
// ls: `corral ls --json` over 2,000 state dirs (metadata.json files written with the
// schema, not 2,000 runs), answered from the index (warm: the index is current, so each
// record costs a stat), against today's path without the index: the same CLI modules
// loaded, then InstanceStore.list() (every metadata.json read, parsed and checked) and the
// same JSON printed. The first `ls` after the index is deleted (it fills the index) is
// reported too, and the CLI's own start (`corral --version`), which both sides pay. Runs
// alternate.
// Usage: node bench/index.mjs [--rows 1000000 --batch 1000 --window 100000
//                              --instances 2000 --runs 5]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { cli, median, option, root, time } from './lib.mjs';

const load = (path) => import(pathToFileURL(join(root, 'dist', path)).href);
const { InstanceIndex } = await load('store/index.js');

const rows = Number(option('rows', '1000000'));
const batchSize = Number(option('batch', '1000'));
const window = Number(option('window', '100000'));
const instances = Number(option('instances', '2000'));
const runs = Number(option('runs', '5'));
const scratch = mkdtempSync(join(tmpdir(), 'corral-bench-index-'));

/** The batches both sides append: 20 instances' events, interleaved, each in seq order. */
function* batches() {
  const seqs = new Array(20).fill(0);
  for (let at = 0; at < rows; at += batchSize) {
    const batch = [];
    for (let i = 0; i < batchSize; i++) {
      const k = (at + i) % 20;
      batch.push({ instanceId: `claude-k3x${k.toString(36).padStart(2, '0')}`, seq: ++seqs[k] });
    }
    yield batch;
  }
}

/** Feeds every batch to `append`; the overall rate and the slowest window's. */
function measure(append) {
  const t0 = process.hrtime.bigint();
  let windowStart = t0;
  let done = 0;
  let slowest = Infinity;
  for (const batch of batches()) {
    append(batch);
    done += batch.length;
    if (done % window === 0) {
      const now = process.hrtime.bigint();
      slowest = Math.min(slowest, window / (Number(now - windowStart) / 1e9));
      windowStart = now;
    }
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return {
    perSecond: rows / seconds,
    slowest: Number.isFinite(slowest) ? slowest : rows / seconds,
  };
}

function journal(i) {
  const index = InstanceIndex.open(join(scratch, `journal-${i}.sqlite`));
  try {
    return measure((batch) => index.journal.append(batch));
  } finally {
    index.close();
  }
}

function bareJournal(i) {
  const db = new Database(join(scratch, `bare-${i}.sqlite`));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(
    'CREATE TABLE journal (gseq INTEGER PRIMARY KEY, instance_id TEXT NOT NULL, seq INTEGER NOT NULL) STRICT',
  );
  const insert = db.prepare('INSERT INTO journal (instance_id, seq) VALUES (?, ?)');
  const append = db.transaction((batch) => {
    for (const e of batch) insert.run(e.instanceId, e.seq);
  });
  try {
    return measure(append);
  } finally {
    db.close();
  }
}

/** 2,000 records as corral writes them: mostly ended, a few running (this process supervises them). */
function makeHome() {
  const home = join(scratch, 'home');
  const agents = ['claude', 'codex', 'shell'];
  const repos = ['/src/web', '/src/api', '/src/cli'];
  const statuses = ['succeeded', 'succeeded', 'failed', 'canceled', 'timed-out', 'lost'];
  const start = Date.parse('2025-06-01T00:00:00.000Z');
  for (let i = 0; i < instances; i++) {
    const agent = agents[i % agents.length];
    const id = `${agent}-${i.toString(36).padStart(5, '0')}`;
    const running = i % 100 === 0;
    const created = start + i * 60_000;
    const m = {
      schemaVersion: 1,
      id,
      name: i % 10 === 0 ? `task-${i}` : null,
      agent,
      backend: i % 2 ? 'docker' : 'local',
      command: agent === 'shell' ? ['npm', 'test', '--', `--grep=case${i}`] : [],
      interactive: false,
      sourceRepo: repos[i % repos.length],
      base: { commit: 'a'.repeat(40), snapshot: i % 3 ? null : 'b'.repeat(40), ref: null },
      branch: `corral/${id}`,
      image: i % 2 ? 'corral-sandbox:0123456789ab' : null,
      limits: { memoryBytes: 4 * 2 ** 30, cpus: 2, pids: 1024 },
      relax: {},
      mounts: [],
      network: agent === 'shell' ? 'none' : 'open',
      prompt: agent === 'shell' ? null : `Fix the failing test number ${i} and explain the change.`,
      agentSessionId: agent === 'shell' ? null : `session-${i}`,
      contextFiles: [],
      summary:
        agent === 'shell'
          ? null
          : {
              inputTokens: 1000 + i,
              outputTokens: 200 + i,
              cacheReadTokens: 5000,
              cacheWriteTokens: 100,
              costUsd: 0.01 * (i % 50),
              filesChanged: i % 7,
              toolCalls: i % 30,
              denials: [],
              egressDenied: 0,
            },
      keep: false,
      timeoutMs: null,
      status: running ? 'running' : statuses[i % statuses.length],
      exitCode: running ? null : i % 4,
      signal: null,
      createdAt: new Date(created).toISOString(),
      preparedAt: new Date(created).toISOString(),
      startedAt: new Date(created + 1500).toISOString(),
      endedAt: running ? null : new Date(created + 45_000).toISOString(),
      durationMs: running ? null : 43_500,
      supervisor: { pid: process.pid, startTicks: null },
      sandboxId: `corral-${id}`,
      workspaceRemoved: !running,
      bringBack: running ? null : { commit: 'c'.repeat(40), committedLeftovers: true, error: null },
      message: null,
    };
    const dir = join(home, 'instances', id);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'metadata.json'), JSON.stringify(m, null, 2) + '\n');
  }
  return home;
}

// Today's `corral ls --json`, without the index: the CLI's modules, then every record read.
const withoutIndex = `
  const dist = ${JSON.stringify(join(root, 'dist'))};
  const { readdirSync } = await import('node:fs');
  await import('commander');
  for (const f of readdirSync(dist + '/cli/commands')) if (f.endsWith('.js')) await import(dist + '/cli/commands/' + f);
  const { createApp } = await import(dist + '/app.js');
  const { outcomeJson } = await import(dist + '/cli/outcome.js');
  const { printJson } = await import(dist + '/cli/output.js');
  const { orchestrator } = createApp();
  const all = await orchestrator.store.list();
  printJson({ instances: all.map((m) => ({ ...outcomeJson(m, orchestrator.store.paths(m.id).workspace),
    createdAt: m.createdAt, command: m.command, relax: m.relax, mounts: m.mounts })) });
`;

function timeLs(home, argv) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, argv, {
    env: { ...process.env, CORRAL_HOME: home },
    encoding: 'utf8',
    maxBuffer: 256 * 2 ** 20,
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`ls failed (${r.status}): ${r.stderr}`);
  const count = JSON.parse(r.stdout).instances.length;
  if (count !== instances) throw new Error(`ls listed ${count} of ${instances} instances`);
  return { ms, stdout: r.stdout };
}

const dropIndex = (home) => {
  for (const f of readdirSync(home)) if (f.startsWith('index.sqlite')) rmSync(join(home, f));
};

try {
  bareJournal('warm');
  journal('warm');
  const bare = [];
  const corral = [];
  for (let i = 0; i < runs; i++) {
    bare.push(bareJournal(i));
    corral.push(journal(i));
  }
  const journalRow = {
    name: 'journal',
    runs,
    rows,
    batch: batchSize,
    bareRowsPerSecond: Math.round(median(bare.map((r) => r.perSecond))),
    corralRowsPerSecond: Math.round(median(corral.map((r) => r.perSecond))),
    corralSlowestWindowRowsPerSecond: Math.round(Math.min(...corral.map((r) => r.slowest))),
    medianRatio: +median(bare.map((b, i) => b.perSecond / corral[i].perSecond)).toFixed(2),
  };
  console.log(
    `journal  ${rows} rows in batches of ${batchSize}: bare ${journalRow.bareRowsPerSecond}/s, corral ${journalRow.corralRowsPerSecond}/s (slowest ${window}-row stretch ${journalRow.corralSlowestWindowRowsPerSecond}/s; target ≥ 100000), ratio ${journalRow.medianRatio}`,
  );

  const home = makeHome();
  const lsArgv = [cli, 'ls', '--json'];
  const oldArgv = ['--input-type=module', '-e', withoutIndex];
  const answer = timeLs(home, lsArgv).stdout; // fills the index, reconciles
  if (timeLs(home, oldArgv).stdout !== answer)
    throw new Error('ls with and without the index differ');
  const indexed = [];
  const old = [];
  const cold = [];
  const start = [];
  for (let i = 0; i < runs; i++) {
    old.push(timeLs(home, oldArgv).ms);
    indexed.push(timeLs(home, lsArgv).ms);
    dropIndex(home);
    cold.push(timeLs(home, lsArgv).ms);
    start.push(time(process.execPath, [cli, '--version']));
  }
  const lsRow = {
    name: 'ls',
    runs,
    instances,
    withoutIndexMedianMs: Math.round(median(old)),
    indexMedianMs: Math.round(median(indexed)),
    indexFillMedianMs: Math.round(median(cold)),
    cliStartMedianMs: Math.round(median(start)),
    medianRatio: +median(indexed.map((x, i) => x / old[i])).toFixed(2),
    // What ls itself costs, the CLI's start (`corral --version`) taken off both sides.
    medianRatioPastStart: +median(
      indexed.map((x, i) => (x - start[i]) / (old[i] - start[i])),
    ).toFixed(2),
  };
  console.log(
    `ls       ${instances} instances (--json): without the index ${lsRow.withoutIndexMedianMs} ms, from the index ${lsRow.indexMedianMs} ms, ratio ${lsRow.medianRatio} (${lsRow.medianRatioPastStart} past the CLI's start of ${lsRow.cliStartMedianMs} ms); filling a deleted index ${lsRow.indexFillMedianMs} ms`,
  );
  console.log(JSON.stringify({ bench: 'index', results: [journalRow, lsRow] }));
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
