import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileStamp } from '../lib/fs-atomic.js';
import { sampleMetadata } from '../state/metadata.fixture.js';
import { getRecordLockPath } from '../state/index.js';
import { InstanceStore } from './instance-store.js';

/** The record of a process that has exited: what a finished run's supervisor leaves. */
function goneSupervisor() {
  const pid = spawnSync('true').pid;
  return { pid, startTicks: '1' };
}

async function storeWith(...records: ReturnType<typeof sampleMetadata>[]) {
  const store = new InstanceStore(await mkdtemp(join(tmpdir(), 'corral-store-')));
  for (const m of records) {
    await mkdir(store.paths(m.id).dir, { recursive: true });
    await store.save(m);
  }
  return store;
}

describe('InstanceStore.reconcile', () => {
  const hourAgo = new Date(Date.now() - 3_600_000).toISOString();

  it('keeps an old instance that was just prepared to resume, while its new supervisor starts', async () => {
    const resumed = sampleMetadata({
      id: 'sh-resumed',
      status: 'created',
      createdAt: hourAgo,
      preparedAt: new Date().toISOString(),
      supervisor: null,
    });
    const store = await storeWith(resumed);
    expect((await store.list()).map((m) => [m.id, m.status])).toEqual([['sh-resumed', 'created']]);
  });

  it('marks lost a running record whose supervisor is gone, and a created one nobody took up', async () => {
    const store = await storeWith(
      sampleMetadata({ id: 'sh-running', status: 'running', supervisor: goneSupervisor() }),
      sampleMetadata({
        id: 'sh-stale',
        status: 'created',
        createdAt: hourAgo,
        preparedAt: hourAgo,
      }),
      sampleMetadata({ id: 'sh-old-record', status: 'created', createdAt: hourAgo }),
    );
    const statuses = Object.fromEntries((await store.list()).map((m) => [m.id, m.status]));
    expect(statuses).toEqual({ 'sh-running': 'lost', 'sh-stale': 'lost', 'sh-old-record': 'lost' });
    expect((await store.load('sh-running')).message).toContain('corral gc');
  });
});

describe('InstanceStore hooks', () => {
  it('tell onSaved the stamp of the file as written, and onRemoved the id', async () => {
    const saved: Array<[string, string]> = [];
    const removed: string[] = [];
    const store = new InstanceStore(await mkdtemp(join(tmpdir(), 'corral-store-')), {
      onSaved: (m, stamp) => void saved.push([m.id, stamp]),
      onRemoved: (id) => void removed.push(id),
    });
    const m = sampleMetadata({ id: 'sh-hooked' });
    await mkdir(store.paths(m.id).dir, { recursive: true });
    await store.save(m);
    expect(saved).toEqual([
      ['sh-hooked', fileStamp(await stat(store.paths(m.id).metadata, { bigint: true }))],
    ]);
    await store.remove(m.id);
    expect(removed).toEqual(['sh-hooked']);
    await expect(stat(store.paths(m.id).dir)).rejects.toThrow(/ENOENT/);
  });

  it('never fail a write because a hook failed: the record stands, the failure is said once', async () => {
    const lines: string[] = [];
    const store = new InstanceStore(await mkdtemp(join(tmpdir(), 'corral-store-')), {
      onSaved: () => {
        throw new Error('database is locked');
      },
      onRemoved: () => Promise.reject(new Error('disk I/O error')),
      log: (line) => lines.push(line),
    });
    const m = sampleMetadata({ id: 'sh-unhooked' });
    await mkdir(store.paths(m.id).dir, { recursive: true });
    await store.save(m);
    await store.save({ ...m, status: 'running' });
    expect((await store.load(m.id)).status).toBe('running');
    await store.remove(m.id);
    await expect(stat(store.paths(m.id).dir)).rejects.toThrow(/ENOENT/);
    expect(lines).toEqual([
      'corral: the index was not updated for sh-unhooked (database is locked); the record is saved, and the next `corral ls` catches up.',
    ]);
  });
});

describe('InstanceStore.update', () => {
  it('applies changes made at once one after the other, so none undoes another', async () => {
    const store = await storeWith(sampleMetadata({ id: 'sh-busy', status: 'running' }));
    await Promise.all([
      store.update('sh-busy', { name: 'busy' }),
      store.update('sh-busy', { message: 'said' }),
      store.update('sh-busy', { exitCode: 3 }),
      store.update('sh-busy', { sandboxId: 'c0ffee' }),
    ]);
    expect(await store.load('sh-busy')).toMatchObject({
      name: 'busy',
      message: 'said',
      exitCode: 3,
      sandboxId: 'c0ffee',
    });
  });

  it('waits while another process holds the record, then writes', async () => {
    const store = await storeWith(sampleMetadata({ id: 'sh-held', status: 'running' }));
    const holder = spawn('sleep', ['30']);
    const lockPath = getRecordLockPath(store.home, 'sh-held');
    await mkdir(dirname(lockPath), { recursive: true });
    await writeFile(lockPath, String(holder.pid));
    let done = false;
    const updating = store.update('sh-held', { message: 'after' }).then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(done).toBe(false);
    expect((await store.load('sh-held')).message).toBeNull();
    holder.kill('SIGKILL');
    await updating;
    expect((await store.load('sh-held')).message).toBe('after');
  });

  it('refuses a status change the state machine does not allow and leaves the record', async () => {
    const store = await storeWith(sampleMetadata({ id: 'sh-done', status: 'succeeded' }));
    await expect(store.update('sh-done', { status: 'running', message: 'again' })).rejects.toThrow(
      'sh-done cannot go from succeeded to running.',
    );
    expect(await store.load('sh-done')).toMatchObject({ status: 'succeeded', message: null });
  });

  it('reconciles against the record as it is now: an end written meanwhile stands', async () => {
    const running = sampleMetadata({
      id: 'sh-ending',
      status: 'running',
      supervisor: goneSupervisor(),
    });
    const store = await storeWith(running);
    await store.update('sh-ending', { status: 'succeeded', supervisor: null });
    // What `ls` read before that end was written.
    expect((await store.reconcile(running)).status).toBe('succeeded');
    expect((await store.load('sh-ending')).status).toBe('succeeded');
  });
});
