// `npm run bench`: start overhead of `corral run -- true` as median ratios against the
// bare tools, measured side by side in the same run on a generated repository of about
// 3,000 files. docker: bare `git clone --local` + `docker run --rm` of the same image (the
// one corral's own outcome names, so a bigger default image weighs on both sides);
// local: bare clone + `srt true`; fenced (a docker instance with --allow-host, so a Compose
// project with the gateway): against the same bare docker run, for information. Runs are
// interleaved so machine noise hits both sides. corral's engine is running for these (the
// warm-up starts it); the first run that has to start it is measured apart.
// Usage: npm run bench [-- --runs 9 --files 3000 --backend docker|fenced|local|all]
import { rmSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, corralImage, makeRepo, median, option, root, spread, time } from './lib.mjs';

const runs = Number(option('runs', '9'));
const files = Number(option('files', '3000'));
const which = option('backend', 'all');
const fenced = which === 'fenced';

function bench(name, bare, corral) {
  bare();
  corral(); // warm caches on both sides
  const b = [];
  const c = [];
  for (let i = 0; i < runs; i++) {
    b.push(bare());
    c.push(corral());
  }
  const ratios = spread(b.map((x, i) => c[i] / x));
  const row = {
    name,
    runs,
    bareMedianMs: Math.round(median(b)),
    corralMedianMs: Math.round(median(c)),
    medianRatio: +ratios.median.toFixed(2),
    // The spread of the per-pair ratios: how far one pair can stray on a noisy machine.
    ratioSpread: Object.fromEntries(Object.entries(ratios).map(([k, v]) => [k, +v.toFixed(2)])),
  };
  const { min, p25, p75, max } = row.ratioSpread;
  console.log(
    `${name.padEnd(8)} bare ${String(row.bareMedianMs).padStart(5)} ms   corral ${String(row.corralMedianMs).padStart(5)} ms   ratio ${row.medianRatio} (pairs ${min}–${max}, middle half ${p25}–${p75})`,
  );
  return row;
}

const repo = makeRepo(files);
const home = mkdtempSync(join(tmpdir(), 'corral-bench-home-'));
const scratch = mkdtempSync(join(tmpdir(), 'corral-bench-clones-'));
const env = { ...process.env, CORRAL_HOME: home };
let n = 0;
const clone = () => {
  const dest = join(scratch, `c${n++}`);
  return { dest, ms: time('git', ['clone', '-q', '--local', repo, dest]) };
};
console.log(
  `start overhead, ${files} files, median of ${runs} interleaved runs (node ${process.version})`,
);
const results = [];
try {
  if (which === 'all' || which === 'docker' || fenced) {
    const image = corralImage(repo, env);
    console.log(`image ${image} on both sides`);
    const bareDocker = () => {
      const c = clone();
      const ms =
        c.ms +
        time('docker', [
          'run',
          '--rm',
          '-v',
          `${c.dest}:/workspace`,
          '-w',
          '/workspace',
          image,
          'true',
        ]);
      rmSync(c.dest, { recursive: true, force: true });
      return ms;
    };
    if (!fenced) {
      const corralDocker = () =>
        time('node', [cli, 'run', '--backend', 'docker', '--', 'true'], { cwd: repo, env });
      // The engine is running for these (the warm-up started it).
      results.push(bench('docker', bareDocker, corralDocker));
      // Apart: the first run, which has to start the engine.
      const cold = [];
      for (let i = 0; i < Math.min(runs, 3); i++) {
        time('node', [cli, 'engine', 'stop', '--now'], { cwd: repo, env });
        cold.push(corralDocker());
      }
      console.log(
        `docker, first run starting the engine: ${Math.round(median(cold))} ms (median of ${cold.length}; no target)`,
      );
      results.push({
        name: 'docker-engine-cold',
        runs: cold.length,
        corralMedianMs: Math.round(median(cold)),
      });
    }
    // No target: what the fence costs on top (a gateway container, two networks, Compose).
    if (which === 'all' || fenced) {
      results.push(
        bench('fenced', bareDocker, () =>
          time(
            'node',
            [cli, 'run', '--backend', 'docker', '--allow-host', 'example.test', '--', 'true'],
            { cwd: repo, env },
          ),
        ),
      );
    }
  }
  if (which === 'all' || which === 'local') {
    const srt = join(root, 'node_modules', '@anthropic-ai', 'sandbox-runtime', 'dist', 'cli.js');
    const settings = join(scratch, 'srt.json');
    writeFileSync(
      settings,
      JSON.stringify({
        network: { allowedDomains: [], deniedDomains: [] },
        filesystem: { denyRead: [], allowWrite: ['.'], denyWrite: [] },
      }),
    );
    results.push(
      bench(
        'local',
        () => {
          const c = clone();
          const ms =
            c.ms + time('node', [srt, '--settings', settings, '--', 'true'], { cwd: c.dest });
          rmSync(c.dest, { recursive: true, force: true });
          return ms;
        },
        () => time('node', [cli, 'run', '--backend', 'local', '--', 'true'], { cwd: repo, env }),
      ),
    );
  }
} finally {
  rmSync(repo, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
}
console.log(JSON.stringify({ bench: 'start', files, results }));
