// What the benchmarks share: a generated repository, timing a command, the median.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const cli = join(root, 'dist', 'cli', 'main.js');

/** `--name value` from the command line, or `fallback`. */
export function option(name, fallback) {
  const args = process.argv.slice(2);
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
}

/** A repository of `files` small TypeScript files in one commit, objects loose. */
export function makeRepo(files) {
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

/** Runs a command to its end; its wall time in ms. A failure ends the benchmark. */
export function time(cmd, argv, options = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'], ...options });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed (${r.status}): ${r.stderr}`);
  return ms;
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * The image `corral run` runs a command in on `repo` (what its own `--json` outcome says),
 * so that the bare side runs exactly the same image: the default sandbox image, or a
 * devcontainer's, whichever corral picked.
 */
export function corralImage(repo, env) {
  const out = execFileSync('node', [cli, 'run', '--backend', 'docker', '--json', '--', 'true'], {
    cwd: repo,
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return JSON.parse(out).image;
}

/** min, 25th percentile, median, 75th percentile and max, for the spread of a sample. */
export function spread(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q) => s[Math.round(q * (s.length - 1))];
  return { min: s[0], p25: at(0.25), median: median(s), p75: at(0.75), max: s[s.length - 1] };
}
