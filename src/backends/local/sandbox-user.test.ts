import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  claimSandboxUser,
  isSandboxUid,
  isStaleClaim,
  releaseSandboxUser,
} from './sandbox-user.js';

async function claimsDir(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'corral-uids-')), 'claims');
}

describe('claimSandboxUser', () => {
  it('gives each sandbox a uid of its own from the range, until released', async () => {
    const dir = await claimsDir();
    const a = await claimSandboxUser('/home-a', 'one', dir);
    const b = await claimSandboxUser('/home-a', 'two', dir);
    expect(isSandboxUid(a.uid) && isSandboxUid(b.uid)).toBe(true);
    expect(a.gid).toBe(a.uid);
    expect(a.uid).not.toBe(b.uid);
    expect((await readdir(dir)).sort()).toEqual([String(a.uid), String(b.uid)].sort());
    // Only its holder gives a uid back.
    await releaseSandboxUser(a, '/home-b', 'one', dir);
    expect(await readdir(dir)).toContain(String(a.uid));
    await releaseSandboxUser(a, '/home-a', 'one', dir);
    expect(await readdir(dir)).toEqual([String(b.uid)]);
  });

  it('counts a claim stale only when its claimer is dead, its record gone and its uid idle', async () => {
    const dir = await claimsDir();
    const { uid } = await claimSandboxUser('/home-a', 'one', dir);
    const path = join(dir, String(uid));
    // Claimed by this live process.
    expect(await isStaleClaim(path, uid)).toBe(false);
    const dead = spawn('true');
    await new Promise((resolve) => dead.on('close', resolve));
    const home = await mkdtemp(join(tmpdir(), 'corral-home-'));
    await writeFile(path, JSON.stringify({ home, instanceId: 'one', pid: dead.pid, startTime: 1 }));
    expect(await isStaleClaim(path, uid)).toBe(true);
    // The sandbox's record still names the uid: its workspace may still be the uid's.
    const run = join(home, 'run', 'local', 'one');
    await mkdir(run, { recursive: true });
    await writeFile(join(run, 'sandbox.json'), JSON.stringify({ user: { uid, gid: uid } }));
    expect(await isStaleClaim(path, uid)).toBe(false);
  });
});
