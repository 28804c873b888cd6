// `npm run bench -- --only sandbox`: the docker backend below the orchestrator, on an empty
// workspace: how long its start, an exec and its stop take, against the bare docker CLI
// doing the same side by side (`docker run -d` of the same image, `docker exec … true`,
// `docker rm -f`). Interleaved runs, medians. (This was a figure docker.test.ts printed;
// a test on a shared machine asserts states, the benchmark measures.)
// Usage: npm run bench -- --only sandbox [--runs 9 --execs 10]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { median, option, root, sandboxImage, time } from './lib.mjs';

const runs = Number(option('runs', '9'));
const execs = Number(option('execs', '10'));
const { DockerBackend } = await import(join(root, 'dist', 'backends', 'docker', 'index.js'));
const { instanceLabels } = await import(join(root, 'dist', 'backends', 'labels.js'));

const image = sandboxImage();
const backend = new DockerBackend();
const scratch = mkdtempSync(join(tmpdir(), 'corral-bench-sandbox-'));
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

async function corralRound(i) {
  const id = `bench-sandbox-${process.pid}-${i}`;
  const spec = {
    instanceId: id,
    workspaceDir: mkdtempSync(join(scratch, 'ws-')),
    image,
    env: {},
    limits: { memoryBytes: 512 * 1024 ** 2, cpus: 1, pids: 256 },
    labels: instanceLabels(id, scratch),
  };
  await backend.prepare(spec);
  let t0 = process.hrtime.bigint();
  const sandbox = await backend.start(spec);
  const start = ms(t0);
  const each = [];
  for (let n = 0; n < execs; n++) {
    t0 = process.hrtime.bigint();
    await sandbox.exec(['true']);
    each.push(ms(t0));
  }
  t0 = process.hrtime.bigint();
  await sandbox.stop();
  return { start, exec: median(each), stop: ms(t0) };
}

function bareRound(i) {
  const name = `corral-bench-bare-${process.pid}-${i}`;
  const ws = mkdtempSync(join(scratch, 'bare-'));
  let t0 = process.hrtime.bigint();
  execFileSync(
    'docker',
    ['run', '-d', '--name', name, '-v', `${ws}:/workspace`, image, 'sleep', 'infinity'],
    {
      stdio: 'ignore',
    },
  );
  const start = ms(t0);
  const each = [];
  for (let n = 0; n < execs; n++) each.push(time('docker', ['exec', name, 'true']));
  t0 = process.hrtime.bigint();
  execFileSync('docker', ['rm', '-f', name], { stdio: 'ignore' });
  return { start, exec: median(each), stop: ms(t0) };
}

console.log(
  `docker backend start / exec / stop, median of ${runs} interleaved runs, ${execs} execs each`,
);
const corral = [];
const bare = [];
try {
  await corralRound('warm');
  bareRound('warm');
  for (let i = 0; i < runs; i++) {
    corral.push(await corralRound(i));
    bare.push(bareRound(i));
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
const results = ['start', 'exec', 'stop'].map((what) => {
  const c = median(corral.map((r) => r[what]));
  const b = median(bare.map((r) => r[what]));
  console.log(
    `${what.padEnd(6)} bare CLI ${String(Math.round(b)).padStart(5)} ms   backend ${String(Math.round(c)).padStart(5)} ms   ratio ${(c / b).toFixed(2)}`,
  );
  return {
    what,
    bareMedianMs: Math.round(b),
    corralMedianMs: Math.round(c),
    ratio: +(c / b).toFixed(2),
  };
});
console.log(JSON.stringify({ bench: 'sandbox', runs, execs, results }));
