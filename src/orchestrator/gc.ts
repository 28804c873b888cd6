/**
 * `corral gc`: removes what corral made that nothing references any more — labelled
 * sandboxes whose instance is not running (unless it is kept), host model gateway
 * processes no run names (a local agent's, left by an engine killed as it started one,
 * still holding its key), images built for instances whose records are gone, half-made
 * state dirs, workspaces of ended instances that were not kept, base refs and empty or
 * merged `corral/*` branches of instances whose records are gone, and object caches of
 * repositories that are gone. A branch that holds work nothing else has is never
 * removed; it is reported instead. `dryRun` lists without removing.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import type { Backend } from '../backends/backend.js';
import { getObjectCachesDir, isEnded, loadMetadata, type Metadata } from '../state/index.js';
import { git, listOrphanedCaches } from '../workspace/index.js';
import type { InstanceStore } from './instance-store.js';
import { listHostGatewayProcesses, stopHostGatewayProcess } from './host-gateway-process.js';
import { loadRepos } from './repo-registry.js';
import { listTrash } from './trash.js';

export interface GcItem {
  kind:
    | 'sandbox'
    | 'gateway'
    | 'state-dir'
    | 'workspace'
    | 'trash'
    | 'base-ref'
    | 'branch'
    | 'image'
    | 'object-cache';
  target: string;
  reason: string;
}

export interface GcReport {
  dryRun: boolean;
  removed: GcItem[];
  kept: GcItem[];
}

export async function collectGarbage(
  store: InstanceStore,
  backends: Backend[],
  options: { dryRun: boolean; halfMadeAgeMs?: number },
): Promise<GcReport> {
  const report: GcReport = { dryRun: options.dryRun, removed: [], kept: [] };
  const act = async (item: GcItem, remove: () => Promise<unknown>) => {
    if (!options.dryRun) await remove();
    report.removed.push(item);
  };

  // A state dir with no record yet, younger than this, is an instance being created.
  const halfMadeAgeMs = options.halfMadeAgeMs ?? 10 * 60_000;
  const isBeingMade = async (id: string): Promise<boolean> => {
    const info = await stat(store.paths(id).dir).catch(() => null);
    return info !== null && Date.now() - info.mtimeMs < halfMadeAgeMs;
  };

  const records = new Map<string, Metadata>();
  for (const m of await store.list()) records.set(m.id, m);

  for (const backend of backends) {
    if (!(await backend.probe()).available) continue;
    for (const s of await backend.listSandboxes()) {
      if (s.home !== store.home) continue;
      const m = records.get(s.instanceId);
      if (m && !isEnded(m.status)) continue;
      // Started beside the checkout of an instance being made (its record comes next).
      if (!m && (await isBeingMade(s.instanceId))) continue;
      if (m?.keep && !m.workspaceRemoved) {
        // A kept instance's stopped project is there to be looked at; `corral rm` ends it.
        report.kept.push({
          kind: 'sandbox',
          target: `${backend.name}:${s.id}`,
          reason: `instance ${m.id} is kept`,
        });
        continue;
      }
      await act(
        {
          kind: 'sandbox',
          target: `${backend.name}:${s.id}`,
          reason: m ? `instance ${m.status}` : 'no instance record',
        },
        () => backend.removeSandbox(s.id),
      );
    }
  }

  for (const { instanceId, ref, ageMs } of await listHostGatewayProcesses(store.home)) {
    const m = records.get(instanceId);
    // One just started is recorded a moment later (one of unknown age counts as just started).
    const young = ageMs === null || ageMs < 60_000;
    if (m && !isEnded(m.status) && (m.run?.gateway?.pid === ref.pid || young)) continue;
    await act(
      {
        kind: 'gateway',
        target: `pid ${ref.pid}`,
        reason: m ? `no run of ${m.id} names it (${m.status})` : 'no instance record',
      },
      () => stopHostGatewayProcess(ref),
    );
  }

  for (const backend of backends) {
    const images = backend.images;
    if (!images || !(await backend.probe()).available) continue;
    for (const [id, tags] of await images.listForInstances(store.home)) {
      if (records.has(id)) continue;
      await act({ kind: 'image', target: tags.join(', '), reason: 'no instance record' }, () =>
        images.removeForInstance(id),
      );
    }
  }

  for (const id of await store.listIds()) {
    if (records.has(id)) continue;
    const paths = store.paths(id);
    const ok = await loadMetadata(paths.metadata).then(
      () => true,
      () => false,
    );
    if (ok) continue;
    const age = Date.now() - (await stat(paths.dir)).mtimeMs;
    if (age < halfMadeAgeMs) continue;
    await act(
      { kind: 'state-dir', target: paths.dir, reason: 'no readable record (half-made)' },
      () => store.remove(id),
    );
  }

  for (const m of records.values()) {
    if (!isEnded(m.status) || m.keep || m.workspaceRemoved || m.bringBack?.error !== null) continue;
    const ws = store.paths(m.id).workspace;
    const present = await readdir(ws).then(
      () => true,
      () => false,
    );
    if (!present) continue;
    await act(
      { kind: 'workspace', target: ws, reason: `instance ${m.status}, branch brought back` },
      async () => {
        await rm(ws, { recursive: true, force: true });
        await store.update(m.id, { workspaceRemoved: true });
      },
    );
  }

  for (const path of await listTrash(store.home)) {
    await act({ kind: 'trash', target: path, reason: 'an interrupted workspace removal' }, () =>
      rm(path, { recursive: true, force: true }),
    );
  }

  for (const { dir, source } of await listOrphanedCaches(getObjectCachesDir(store.home))) {
    await act(
      {
        kind: 'object-cache',
        target: dir,
        reason: source ? `its repository ${source} is gone` : 'names no repository',
      },
      () => rm(dir, { recursive: true, force: true }),
    );
  }

  const repos = new Set([
    ...(await loadRepos(store.home)),
    ...[...records.values()].map((m) => m.sourceRepo),
  ]);
  for (const repo of repos) {
    const refs = await git(
      repo,
      [
        'for-each-ref',
        '--format=%(refname) %(objectname)',
        'refs/corral/bases/',
        'refs/heads/corral/',
      ],
      {
        allowFailure: true,
      },
    );
    if (refs.exitCode !== 0) continue;
    for (const line of refs.stdout.split('\n').filter(Boolean)) {
      const [ref, sha] = line.split(' ') as [string, string];
      const id = ref.replace(/^refs\/(corral\/bases|heads\/corral)\//, '');
      if (records.has(id)) continue;
      if (ref.startsWith('refs/corral/bases/')) {
        // An instance being created pins its base before its record is saved.
        if (await isBeingMade(id)) continue;
        await act(
          { kind: 'base-ref', target: `${repo} ${ref}`, reason: 'no instance record' },
          () => git(repo, ['update-ref', '-d', ref, sha]),
        );
        continue;
      }
      const elsewhere = await git(
        repo,
        ['for-each-ref', '--contains', sha, '--format=%(refname)', 'refs/heads/', 'refs/tags/'],
        {
          allowFailure: true,
        },
      );
      const holders = elsewhere.stdout.split('\n').filter((r) => r && r !== ref);
      if (holders.length > 0) {
        await act(
          {
            kind: 'branch',
            target: `${repo} ${ref}`,
            reason: `no instance record; its work is in ${holders[0]}`,
          },
          () => git(repo, ['update-ref', '-d', ref, sha]),
        );
      } else {
        report.kept.push({
          kind: 'branch',
          target: `${repo} ${ref}`,
          reason: 'holds work no other branch has',
        });
      }
    }
  }
  return report;
}
