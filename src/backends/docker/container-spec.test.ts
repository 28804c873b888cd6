import { describe, expect, it } from 'vitest';
import { CorralError } from '../../lib/errors.js';
import type { HostMount, Relaxations } from '../../state/index.js';
import type { SandboxSpec } from '../backend.js';
import { instanceLabels } from '../labels.js';
import { getContainerSpec, type ContainerSpecOptions } from './container-spec.js';

const mib = 1024 ** 2;
const owner = { uid: 1000, gid: 1000 };

function spec(relax: Relaxations = {}, mounts: HostMount[] = []): SandboxSpec & { image: string } {
  return {
    instanceId: 'shell-k3x9q',
    workspaceDir: '/home/me/.corral/instances/shell-k3x9q/workspace',
    image: 'corral-sandbox:1',
    env: { CI: '1' },
    limits: { memoryBytes: 512 * mib, cpus: 1.5, pids: 256 },
    labels: instanceLabels('shell-k3x9q', '/home/me/.corral'),
    relax,
    mounts,
  };
}

function host(relax: Relaxations = {}, mounts: HostMount[] = [], options?: ContainerSpecOptions) {
  const created = getContainerSpec(spec(relax, mounts), owner, options);
  if (!created.HostConfig) throw new Error('no HostConfig');
  return { created, hc: created.HostConfig };
}

function refusal(relax: Relaxations, mounts: HostMount[]): CorralError {
  try {
    getContainerSpec(spec(relax, mounts), owner);
  } catch (error) {
    if (error instanceof CorralError) return error;
    throw error;
  }
  throw new Error('not refused');
}

describe('getContainerSpec: hardened by default', () => {
  const { created, hc } = host();

  it('runs commands as the workspace owner and the keeper as another uid', () => {
    expect(created.Labels?.['corral.docker.user']).toBe('1000:1000');
    expect(created.User).toBe('10999:10999');
  });

  it('drops every capability, keeps no-new-privileges, a read-only root and the limits', () => {
    expect(hc.CapDrop).toEqual(['ALL']);
    expect(hc.CapAdd).toBeUndefined();
    expect(hc.SecurityOpt).toEqual(['no-new-privileges']);
    expect(hc.Privileged).toBe(false);
    expect(hc.ReadonlyRootfs).toBe(true);
    expect(hc.Memory).toBe(512 * mib);
    expect(hc.MemorySwap).toBe(512 * mib);
    expect(hc.NanoCpus).toBe(1.5e9);
    expect(hc.PidsLimit).toBe(256);
    expect(hc.GroupAdd).toBeUndefined();
  });

  it('puts /tmp on a tmpfs sized like the memory limit, with HOME inside it', () => {
    expect(hc.Tmpfs).toEqual({ '/tmp': `rw,nosuid,nodev,exec,mode=1777,size=${512 * mib}` });
    expect(created.Env).toContain('HOME=/tmp/home');
  });

  it('mounts the workspace and nothing else', () => {
    expect(hc.Mounts).toEqual([
      {
        Type: 'bind',
        Source: '/home/me/.corral/instances/shell-k3x9q/workspace',
        Target: '/workspace',
        ReadOnly: false,
      },
    ]);
  });
});

describe('getContainerSpec: each relaxation changes its own item only', () => {
  const { hc: hardened } = host();
  function changed(relax: Relaxations, mounts: HostMount[] = [], options?: ContainerSpecOptions) {
    const { created, hc } = host(relax, mounts, options);
    const diff = Object.keys({ ...hardened, ...hc }).filter(
      (k) =>
        JSON.stringify(hc[k as keyof typeof hc]) !==
        JSON.stringify(hardened[k as keyof typeof hardened]),
    );
    return { created, hc, diff: diff.sort() };
  }

  it('rootUser: commands run as uid 0; the keeper does not', () => {
    const { created, diff } = changed({ rootUser: true });
    expect(created.Labels?.['corral.docker.user']).toBe('0:0');
    expect(created.User).toBe('10999:10999');
    expect(diff).toEqual([]);
  });

  it('capAdd: the named capabilities come back, all others stay dropped', () => {
    const { hc, diff } = changed({ capAdd: ['NET_RAW', 'CHOWN'] });
    expect(hc.CapAdd).toEqual(['NET_RAW', 'CHOWN']);
    expect(hc.CapDrop).toEqual(['ALL']);
    expect(diff).toEqual(['CapAdd']);
  });

  it('newPrivileges: no no-new-privileges', () => {
    const { hc, diff } = changed({ newPrivileges: true });
    expect(hc.SecurityOpt).toEqual([]);
    expect(diff).toEqual(['SecurityOpt']);
  });

  it('writableRoot: the root filesystem is writable, /tmp still a tmpfs', () => {
    const { hc, diff } = changed({ writableRoot: true });
    expect(hc.ReadonlyRootfs).toBe(false);
    expect(diff).toEqual(['ReadonlyRootfs']);
  });

  it('noLimits: no memory, CPU or pids limit, and an unsized tmpfs', () => {
    const { hc, diff } = changed({ noLimits: true });
    expect(hc.Tmpfs).toEqual({ '/tmp': 'rw,nosuid,nodev,exec,mode=1777' });
    expect(diff).toEqual(['Memory', 'MemorySwap', 'NanoCpus', 'PidsLimit', 'Tmpfs']);
  });

  it('hostMounts: the mounts, read-only as asked', () => {
    const mount = { source: '/srv/cache', target: '/cache', readOnly: true };
    const { hc, diff } = changed({ hostMounts: true }, [mount]);
    expect(hc.Mounts?.[1]).toEqual({
      Type: 'bind',
      Source: '/srv/cache',
      Target: '/cache',
      ReadOnly: true,
    });
    expect(diff).toEqual(['Mounts']);
  });

  it('dockerSocket: the socket mount and its group, as the backend resolves them', () => {
    const socket = { source: '/run/docker.sock', target: '/var/run/docker.sock', readOnly: false };
    const { hc, diff } = changed({ dockerSocket: true }, [], { mounts: [socket], groupAdd: [998] });
    expect(hc.Mounts?.[1]?.Target).toBe('/var/run/docker.sock');
    expect(hc.GroupAdd).toEqual(['998']);
    expect(diff).toEqual(['GroupAdd', 'Mounts']);
  });
});

describe('getContainerSpec: refusals', () => {
  it('refuses mounts without their relaxation', () => {
    const mount = { source: '/srv/cache', target: '/cache', readOnly: false };
    expect(refusal({}, [mount]).hint).toMatch(/--unsafe-mount/);
    const socket = { source: '/var/run/docker.sock', target: '/sock/docker.sock', readOnly: false };
    expect(refusal({ hostMounts: true }, [socket]).hint).toMatch(/--unsafe-docker-socket/);
  });

  it('refuses a mount over the workspace', () => {
    const mount = { source: '/srv/cache', target: '/workspace/cache', readOnly: false };
    expect(refusal({ hostMounts: true }, [mount]).message).toMatch(/is the workspace/);
  });
});
