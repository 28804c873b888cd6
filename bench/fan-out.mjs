// `npm run bench -- --only fan-out`: 20 instances started at once (DESIGN target: ≤ 1.3×
// 20 bare `docker run -d` at once, each with its own `git clone --local`), and corral's own
// memory while the 20 are live (target: under 200 MB). The corral side is 20 `corral run
// -d -- sleep 120` started together against a running engine (it is started, and timed
// apart, first); it is done when every one of them has returned and `corral ls` shows all
// 20 running. Memory is the sum of the resident sets of every corral process of the home
// then (the engine: it supervises them all). Both sides are removed after each run; runs
// alternate.
// Usage: node bench/fan-out.mjs [--count 20 --runs 3 --files 300]
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cli, corralImage, makeRepo, median, option } from './lib.mjs';

const run = promisify(execFile);
const count = Number(option('count', '20'));
const runs = Number(option('runs', '3'));
const files = Number(option('files', '300'));

const repo = makeRepo(files);
const scratch = mkdtempSync(join(tmpdir(), 'corral-bench-fan-out-'));
const imageHome = mkdtempSync(join(tmpdir(), 'corral-bench-home-'));
const image = corralImage(repo, { ...process.env, CORRAL_HOME: imageHome });
rmSync(imageHome, { recursive: true, force: true });
let n = 0;

async function bare() {
  const t0 = process.hrtime.bigint();
  const names = await Promise.all(
    Array.from({ length: count }, async () => {
      const i = n++;
      const dest = join(scratch, `c${i}`);
      await run('git', ['clone', '-q', '--local', repo, dest]);
      const name = `corral-bench-bare-${process.pid}-${i}`;
      await run('docker', [
        'run',
        '-d',
        '--name',
        name,
        '-v',
        `${dest}:/workspace`,
        '-w',
        '/workspace',
        image,
        'sleep',
        '120',
      ]);
      return name;
    }),
  );
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  execFileSync('docker', ['rm', '-f', ...names], { stdio: 'ignore' });
  return { ms };
}

/** Resident set of a process in bytes, 0 when it is gone. */
function rss(pid) {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Pids of live processes started with CORRAL_HOME=home (the engine, any CLI still there). */
function corralProcesses(home) {
  const pids = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const environ = readFileSync(`/proc/${name}/environ`, 'utf8').split('\0');
      if (environ.includes(`CORRAL_HOME=${home}`)) pids.push(Number(name));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

async function corral() {
  const home = mkdtempSync(join(tmpdir(), 'corral-bench-home-'));
  const env = { ...process.env, CORRAL_HOME: home };
  const corralCli = (args) => run('node', [cli, ...args], { cwd: repo, env, maxBuffer: 1 << 24 });
  const e0 = process.hrtime.bigint();
  await corralCli(['ls']);
  const engineStartMs = Number(process.hrtime.bigint() - e0) / 1e6;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: count }, () =>
      corralCli(['run', '-d', '--backend', 'docker', '--', 'sleep', '120']),
    ),
  );
  let live = [];
  for (let i = 0; i < 600; i++) {
    const { stdout } = await corralCli(['ls', '--json']);
    live = JSON.parse(stdout).instances.filter((m) => m.status === 'running');
    if (live.length === count) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (live.length !== count) throw new Error(`only ${live.length} of ${count} instances running`);
  const pids = corralProcesses(home);
  const memoryBytes = pids.reduce((sum, pid) => sum + rss(pid), 0);
  await Promise.all(live.map((m) => corralCli(['stop', m.id])));
  await corralCli(['gc']).catch(() => undefined);
  await corralCli(['engine', 'stop', '--now']).catch(() => undefined);
  rmSync(home, { recursive: true, force: true });
  return { ms, memoryBytes, supervisors: pids.length, engineStartMs };
}

try {
  console.log(
    `fan-out: ${count} instances at once, ${files} files, median of ${runs} alternating runs`,
  );
  const b = [];
  const c = [];
  const memory = [];
  const engineStart = [];
  let supervisors = 0;
  for (let i = 0; i < runs; i++) {
    b.push((await bare()).ms);
    const r = await corral();
    c.push(r.ms);
    memory.push(r.memoryBytes);
    engineStart.push(r.engineStartMs);
    supervisors = r.supervisors;
  }
  const row = {
    name: 'fan-out',
    count,
    runs,
    bareMedianMs: Math.round(median(b)),
    corralMedianMs: Math.round(median(c)),
    medianRatio: +median(b.map((x, i) => c[i] / x)).toFixed(2),
    memoryMB: Math.round(median(memory) / 2 ** 20),
    processes: supervisors,
    engineStartMedianMs: Math.round(median(engineStart)),
  };
  console.log(
    `fan-out  bare ${row.bareMedianMs} ms   corral ${row.corralMedianMs} ms   ratio ${row.medianRatio} (target ≤ 1.3)   memory ${row.memoryMB} MB in ${row.processes} processes (target < 200)   engine start ${row.engineStartMedianMs} ms (apart)`,
  );
  console.log(JSON.stringify({ bench: 'fan-out', files, results: [row] }));
} finally {
  rmSync(repo, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
}
