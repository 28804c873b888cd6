import { describe, expect, it } from 'vitest';
import { outermost, planReach, type Mode } from './reach-plan.js';

const user = { uid: 2080374785, gid: 2080374785 };
const dir = (mode: number, uid = 0, gid = 0): Mode => ({ uid, gid, mode: 0o040000 | mode });

/** A fake tree: every path not listed is a world-searchable directory owned by root. */
function statOf(tree: Record<string, Mode>) {
  return (path: string): Promise<Mode> => Promise.resolve(tree[path] ?? dir(0o755));
}

describe('planReach', () => {
  it('covers the outermost directory the uid cannot cross, with every needed path below it', async () => {
    const plan = await planReach(
      user,
      [
        '/root/.corral/instances/x/workspace',
        '/root/.corral/run/local/x/fence',
        '/tmp/corral-srt-a',
        '/usr/lib/node_modules/corral/node_modules',
      ],
      [],
      statOf({ '/root': dir(0o700), '/root/.corral': dir(0o700) }),
    );
    expect(plan.covered).toEqual([
      {
        dir: '/root',
        binds: ['/root/.corral/instances/x/workspace', '/root/.corral/run/local/x/fence'],
      },
    ]);
    expect(plan.unreadable).toEqual([]);
  });

  it('reads the mode as the kernel does: owner bits for the owner, group bits for the group', async () => {
    const tree = {
      '/srv/mine': dir(0o700, user.uid, 0),
      '/srv/group': dir(0o710, 0, user.gid),
      '/srv/other-only': dir(0o601, user.uid, 0),
    };
    const plan = await planReach(
      user,
      ['/srv/mine/a', '/srv/group/b', '/srv/other-only/c'],
      [],
      statOf(tree),
    );
    // Owner bits win for the owner even when "others" may search: 0601 owned by the uid
    // without u+x is not searchable by it.
    expect(plan.covered).toEqual([{ dir: '/srv/other-only', binds: ['/srv/other-only/c'] }]);
  });

  it('names needed programs the uid could not read once there', async () => {
    const plan = await planReach(
      user,
      ['/opt/agent', '/opt/ok'],
      ['/opt/agent', '/opt/ok'],
      statOf({ '/opt/agent': dir(0o700) }),
    );
    expect(plan.covered).toEqual([]);
    expect(plan.unreadable).toEqual(['/opt/agent']);
  });
});

describe('outermost', () => {
  it('keeps only paths that no other path holds', () => {
    expect(outermost(['/a/b/c', '/a/b', '/a/bc', '/d', '/a/b'])).toEqual(['/a/b', '/a/bc', '/d']);
  });
});
