import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeRepo } from '../../test/helpers/git-repo.js';
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
