import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileStamp } from '../lib/fs-atomic.js';
import { sampleMetadata } from '../state/metadata.fixture.js';
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
