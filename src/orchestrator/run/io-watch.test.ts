import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IoWatch } from './io-watch.js';

/** Resolves true when `watch` reports a change within `ms`, false otherwise. */
function changedWithin(ms: number, start: (onChange: () => void) => Promise<IoWatch>) {
  return new Promise<boolean>((resolve) => {
    let watch: IoWatch | undefined;
    const timer = setTimeout(() => {
      watch?.close();
      resolve(false);
    }, ms);
    void start(() => {
      clearTimeout(timer);
      watch?.close();
      resolve(true);
    }).then((w) => (watch = w));
  });
}

describe('IoWatch', () => {
  it('wakes on a write to the launch directory', async () => {
    const root = await mkdtemp(join(tmpdir(), 'corral-iowatch-'));
    await mkdir(join(root, '.git', 'corral-io', 'abc'), { recursive: true });
    const changed = await changedWithin(5000, async (onChange) => {
      const watch = new IoWatch(root, ['.git', 'corral-io', 'abc'], onChange);
      await watch.ensure();
      await writeFile(join(root, '.git', 'corral-io', 'abc', 'stdout'), 'hello\n');
      return watch;
    });
    expect(changed).toBe(true);
  });

  it('does not watch through a link the workspace planted', async () => {
    const root = await mkdtemp(join(tmpdir(), 'corral-iowatch-'));
    const elsewhere = await mkdtemp(join(tmpdir(), 'corral-iowatch-elsewhere-'));
    await mkdir(join(root, '.git'), { recursive: true });
    await symlink(elsewhere, join(root, '.git', 'corral-io'));
    await mkdir(join(elsewhere, 'abc'));
    const changed = await changedWithin(1000, async (onChange) => {
      const watch = new IoWatch(root, ['.git', 'corral-io', 'abc'], onChange);
      await watch.ensure();
      await writeFile(join(elsewhere, 'abc', 'stdout'), 'hello\n');
      return watch;
    });
    expect(changed).toBe(false);
  });
});
