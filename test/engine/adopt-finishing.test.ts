/**
 * A supervisor that dies twice around the end of a run: first after it recorded that the
 * work came back (the record says finishing) but before it saved its cursor, then, in the
 * one that took the run up, after it said the run ended but before the final record. The
 * third says the end once more and records it: `instance.ended` is in the log exactly once
 * and the work is on the branch. Each death is a supervisor frozen at that point (its
 * record writes never return), which is what a kill -9 leaves on disk, at a moment a
 * random kill seldom hits.
 */
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { superviseInstance } from '../../src/orchestrator/supervise.js';
import { InstanceStore } from '../../src/orchestrator/instance-store.js';
import { isEnded, type Metadata } from '../../src/state/index.js';
import { makeHome, readEvents, waitFor } from '../helpers/cli.js';
import { makeRepo } from '../helpers/git-repo.js';

/** A store whose writes matching `when` never return: before the write, or after it landed. */
class FreezingStore extends InstanceStore {
  constructor(
    home: string,
    private readonly when: (change: Partial<Metadata>) => boolean,
    private readonly at: 'before' | 'after',
  ) {
    super(home);
  }

  override async update(id: string, change: Partial<Metadata>): Promise<Metadata> {
    if (!this.when(change)) return super.update(id, change);
    if (this.at === 'after') await super.update(id, change);
    return new Promise<Metadata>(() => undefined);
  }
}

describe('a run whose supervisor dies twice while it finishes', () => {
  it('says it ended once, records it, and brings the work to its branch', async () => {
    const home = await makeHome();
    process.env.CORRAL_HOME = home;
    const app = createApp({ log: () => undefined });
    const repo = await makeRepo();
    const m = await app.orchestrator.create(
      {
        repoDir: repo.dir,
        agent: 'shell',
        command: ['sh', '-c', 'echo done > out.txt'],
        backend: 'local',
        keep: false,
        interactive: false,
        limits: { memoryBytes: 512 * 1024 ** 2, cpus: 1, pids: 256 },
      },
      {},
      { detached: true },
    );
    const io = { stdout: null, stderr: null, stdin: null };
    const supervise = (store: InstanceStore, adopt: boolean) =>
      void superviseInstance({
        store,
        backend: app.backends.local,
        id: m.id,
        io,
        env: {},
        adopt,
        pollMs: 50,
      });
    const ended = async () =>
      (await readEvents<{ type: string }>(home, m.id)).filter((e) => e.type === 'instance.ended');

    supervise(new FreezingStore(home, (c) => c.run?.phase === 'finishing', 'after'), false);
    await waitFor('the record to say finishing', async () =>
      (await app.orchestrator.store.load(m.id)).run?.phase === 'finishing' ? true : undefined,
    );

    supervise(
      new FreezingStore(home, (c) => c.status !== undefined && isEnded(c.status), 'before'),
      true,
    );
    await waitFor('the end to be said', async () =>
      (await ended()).length > 0 ? true : undefined,
    );

    const final = await superviseInstance({
      store: app.orchestrator.store,
      backend: app.backends.local,
      id: m.id,
      io,
      env: {},
      adopt: true,
      pollMs: 50,
    });
    expect(final.status).toBe('succeeded');
    expect((await ended()).map((e) => e.type)).toEqual(['instance.ended']);
    expect(repo.show(`corral/${m.id}`, 'out.txt')).toBe('done\n');
    app.close();
  }, 120_000);
});
