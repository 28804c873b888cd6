// `npm run bench`: start overhead of `corral run -- true` as median ratios against the
// bare tools, measured side by side in the same run on a generated repository of about
// 3,000 files. docker: bare `git clone --local` + `docker run --rm` of the same image;
// local: bare clone + `srt true`; fenced (a docker instance with --allow-host, so a Compose
// project with the gateway): against the same bare docker run, for information. Runs are
// interleaved so machine noise hits both sides.
// Usage: npm run bench [-- --runs 9 --files 3000 --backend docker|fenced|local|all]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'cli', 'main.js');
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const runs = Number(opt('runs', '9'));
const files = Number(opt('files', '3000'));
const which = opt('backend', 'all');
const fenced = which === 'fenced';

function makeRepo() {
  const dir = mkdtempSync(join(tmpdir(), 'corral-bench-repo-'));
  for (let i = 0; i < files; i++) {
    const sub = join(dir, 'src', `m${i % 60}`);
    mkdirSync(sub, { recursive: true });
    writeFileSync(
      join(sub, `f${i}.ts`),
      `export const v${i} = ${i};\n// ${'x'.repeat(200 + (i % 400))}\n`,
    );
  }
  const git = (...a) =>
    execFileSync('git', ['-C', dir, '-c', 'user.name=b', '-c', 'user.email=b@b', ...a], {
      stdio: 'ignore',
    });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-qm', 'bench');
  return dir;
}

function time(cmd, argv, options = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'], ...options });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed (${r.status}): ${r.stderr}`);
  return ms;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function bench(name, bare, corral) {
  bare();
  corral(); // warm caches on both sides
  const b = [];
  const c = [];
  for (let i = 0; i < runs; i++) {
    b.push(bare());
    c.push(corral());
  }
  const ratios = b.map((x, i) => c[i] / x);
  const row = {
    name,
    runs,
    bareMedianMs: Math.round(median(b)),
    corralMedianMs: Math.round(median(c)),
    medianRatio: +median(ratios).toFixed(2),
  };
  console.log(
    `${name.padEnd(8)} bare ${String(row.bareMedianMs).padStart(5)} ms   corral ${String(row.corralMedianMs).padStart(5)} ms   ratio ${row.medianRatio}`,
  );
  return row;
}

const repo = makeRepo();
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
    const image = execFileSync(
      'node',
      [
        '-e',
        "import('./dist/backends/docker/index.js').then(m => console.log(m.getDefaultImageTag(m.findImagesDir())))",
      ],
      {
        cwd: root,
        encoding: 'utf8',
      },
    ).trim();
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
      results.push(
        bench('docker', bareDocker, () =>
          time('node', [cli, 'run', '--backend', 'docker', '--', 'true'], { cwd: repo, env }),
        ),
      );
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
