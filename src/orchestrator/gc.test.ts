import { access, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeRepo } from '../../test/helpers/git-repo.js';
import { getObjectCachePath } from '../state/index.js';
import { readBaseFromCache } from '../workspace/object-cache.js';
import { getBaseRef, pinBase, resolveCommit } from '../workspace/index.js';
import { collectGarbage } from './gc.js';
import { InstanceStore } from './instance-store.js';
import { rememberRepo } from './repo-registry.js';

describe('collectGarbage and an instance being created', () => {
  it('keeps the base ref of a state dir with no record yet, and removes it once half-made', async () => {
    const home = await mkdtemp(join(tmpdir(), 'corral-gc-'));
    const store = new InstanceStore(home);
    const repo = await makeRepo();
    await rememberRepo(home, repo.dir);
    // What create has done before it saves the record: the state dir, the pinned base.
    const id = 'shell-making1';
    await mkdir(store.paths(id).dir, { recursive: true });
    repo.git('update-ref', `refs/corral/bases/${id}`, 'HEAD');

    const early = await collectGarbage(store, [], { dryRun: false });
    expect(early.removed).toEqual([]);
    expect(repo.git('for-each-ref', 'refs/corral/bases/')).toContain(id);

    // Past the age a create may take, it is half-made: the ref and the dir go.
    const late = await collectGarbage(store, [], { dryRun: false, halfMadeAgeMs: 0 });
    expect(late.removed.map((i) => i.kind).sort()).toEqual(['base-ref', 'state-dir']);
    expect(repo.git('for-each-ref', 'refs/corral/bases/')).toBe('');
  });
});

describe('collectGarbage and object caches', () => {
  it("removes a repository's object cache once the repository is gone, and only then", async () => {
    const home = await mkdtemp(join(tmpdir(), 'corral-gc-'));
    const store = new InstanceStore(home);
    const kept = await makeRepo();
    const gone = await makeRepo();
    const cacheOf = async (repoDir: string) => {
      const base = {
        commit: await resolveCommit(repoDir, 'HEAD'),
        snapshot: null,
        ref: null,
      };
      await pinBase(repoDir, 'shell-cached1', base);
      const dir = getObjectCachePath(home, repoDir);
      (await readBaseFromCache(dir, repoDir, getBaseRef('shell-cached1'), base.commit)).release();
      return dir;
    };
    const keptCache = await cacheOf(kept.dir);
    const goneCache = await cacheOf(gone.dir);
    await rm(gone.dir, { recursive: true, force: true });

    const report = await collectGarbage(store, [], { dryRun: false });
    const removed = report.removed.filter((i) => i.kind === 'object-cache');
    expect(removed).toEqual([
      { kind: 'object-cache', target: goneCache, reason: `its repository ${gone.dir} is gone` },
    ]);
    await expect(access(goneCache)).rejects.toThrow();
    await expect(access(join(keptCache, 'HEAD'))).resolves.toBeUndefined();
  });
});
