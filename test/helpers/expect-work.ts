/**
 * Asserts that a branch holds the work of test/fixtures/hostile-git.ts byte for byte: every
 * blob, the executable bit, the symlink as a link.
 */
import { execFileSync } from 'node:child_process';
import { expect } from 'vitest';
import { expectedWork } from '../fixtures/hostile-git.js';
import type { TestRepo } from './git-repo.js';

export function expectWorkOn(repo: TestRepo, branch: string): void {
  for (const [path, content] of Object.entries(expectedWork.blobs)) {
    const blob = execFileSync('git', ['-C', repo.dir, 'cat-file', 'blob', `${branch}:${path}`]);
    expect(blob.toString('latin1'), path).toBe(content);
  }
  for (const [path, mode] of Object.entries(expectedWork.modes)) {
    expect(repo.git('ls-tree', branch, path).slice(0, 6), path).toBe(mode);
  }
  expect(repo.show(branch, 'link')).toBe(expectedWork.link);
}
