import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { buildLaunchPrefix } from './launch-prefix.js';

const run = promisify(execFile);

describe('buildLaunchPrefix', () => {
  it('runs srt directly when there is neither a uid to drop to nor a cgroup', () => {
    expect(buildLaunchPrefix({})).toEqual([]);
  });

  it("puts the launcher's own pid into each cgroup, then becomes the command, same pid", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'corral-launch-'));
    const procs = [join(dir, "it's procs"), join(dir, 'other')];
    await Promise.all(procs.map((p) => writeFile(p, '')));
    const prefix = buildLaunchPrefix({ cgroupProcs: procs });
    const [file = '', ...args] = [...prefix, 'sh', '-c', 'echo "pid=$$ args=$*"', 'x', 'a b'];
    const r = await run(file, args);
    const pid = /pid=(\d+)/.exec(r.stdout)?.[1];
    expect(r.stdout).toBe(`pid=${pid} args=a b\n`);
    for (const p of procs) expect(await readFile(p, 'utf8')).toBe(`${pid}\n`);
  });

  it('as root: a private mount namespace, covers bound back through a descriptor, then setpriv with nothing left', async () => {
    const prefix = buildLaunchPrefix({
      user: { uid: 2080374785, gid: 2080374785 },
      covered: [{ dir: '/root', binds: ["/root/it's here/workspace"] }],
    });
    expect(prefix.slice(0, 7)).toEqual([
      'unshare',
      '--mount',
      '--propagation',
      'private',
      '--',
      '/bin/sh',
      '-c',
    ]);
    const script = prefix[7] ?? '';
    expect(script).toContain("exec 9<'/root'");
    expect(script).toContain(
      `mount --no-canonicalize --rbind '/proc/self/fd/9/it'\\''s here/workspace' '/root/it'\\''s here/workspace'`,
    );
    expect(script).toMatch(
      /exec setpriv --reuid=2080374785 --regid=2080374785 --clear-groups --inh-caps=-all --bounding-set=-all --no-new-privs -- "\$@"$/,
    );
    // Valid sh, quotes and all.
    await run('sh', ['-n', '-c', script]);
  });
});
