/**
 * Makes real git repositories for tests: `makeRepo({ 'a.txt': 'x' })` commits the files
 * and returns helpers to run git in it and read files on branches.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface TestRepo {
  dir: string;
  git(...args: string[]): string;
  write(path: string, content: string): Promise<void>;
  /** Content of `path` on `ref`, or undefined when it is not there. */
  show(ref: string, path: string): string | undefined;
  branchExists(branch: string): boolean;
}

const identity = [
  '-c',
  'user.name=test',
  '-c',
  'user.email=test@localhost',
  '-c',
  'commit.gpgsign=false',
];

export async function makeRepo(
  files: Record<string, string> = { 'README.md': '# test\n' },
  options: { commit?: boolean } = {},
): Promise<TestRepo> {
  const dir = await mkdtemp(join(tmpdir(), 'corral-repo-'));
  const run = (...args: string[]) =>
    execFileSync('git', ['-C', dir, ...identity, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  run('init', '--quiet', '--initial-branch=main');
  const repo: TestRepo = {
    dir,
    git: run,
    async write(path, content) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), content);
    },
    show(ref, path) {
      try {
        return run('show', `${ref}:${path}`);
      } catch {
        return undefined;
      }
    },
    branchExists(branch) {
      try {
        run('rev-parse', '--verify', '--quiet', `refs/heads/${branch}`);
        return true;
      } catch {
        return false;
      }
    },
  };
  for (const [path, content] of Object.entries(files)) await repo.write(path, content);
  if (options.commit !== false) {
    run('add', '-A');
    run('commit', '--quiet', '-m', 'initial');
  }
  return repo;
}

/**
 * A repository of 300 files, committed: more loose objects than the 256 past which corral
 * packs or caches a source instead of copying its object files (workspace/provision.ts).
 */
export function makeLooseRepo(): Promise<TestRepo> {
  return makeRepo(
    Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`src/f${i}.txt`, `file ${i}\n`])),
  );
}
