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

/** The default sandbox image's tag, as the built CLI computes it. */
export function sandboxImage() {
  return execFileSync(
    'node',
    [
      '-e',
      "import('./dist/backends/docker/index.js').then(m => console.log(m.getDefaultImageTag(m.findImagesDir())))",
    ],
    { cwd: root, encoding: 'utf8' },
  ).trim();
}
