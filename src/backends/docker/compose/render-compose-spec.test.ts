import { describe, expect, it } from 'vitest';
import { CorralError } from '../../../lib/errors.js';
import { instanceLabels } from '../../labels.js';
import type { GatewayPlan, InstancePlan } from './instance-plan.js';
import { renderComposeSpec } from './render-compose-spec.js';

const mib = 1024 ** 2;

function plan(overrides: Partial<InstancePlan> = {}): InstancePlan {
  return {
    instanceId: 'claude-k3x9q',
    image: 'corral-sandbox:9d40424bde43',
    workspaceDir: '/home/me/.corral/instances/claude-k3x9q/workspace',
    user: { uid: 1000, gid: 1000 },
    env: { CI: '1' },
    limits: { memoryBytes: 1024 * mib, cpus: 2, pids: 512 },
    labels: instanceLabels('claude-k3x9q', '/home/me/.corral'),
    ...overrides,
  };
}

const gateway: GatewayPlan = {
  image: 'corral-gateway:1',
  command: ['node', '/opt/corral/gateway.js'],
  configFile: '/home/me/.corral/instances/claude-k3x9q/gateway.json',
  policyDir: '/home/me/.corral/instances/claude-k3x9q/policy',
  secretEnvNames: ['ANTHROPIC_API_KEY'],
  proxyPort: 3128,
  apiPort: 8080,
  modelEndpoints: { ANTHROPIC_BASE_URL: '/anthropic' },
};

function agentOf(p: InstancePlan) {
  const agent = renderComposeSpec(p).services.agent;
  if (!agent) throw new Error('no agent service');
  return agent;
}

function refusal(p: InstancePlan): CorralError {
  try {
    renderComposeSpec(p);
  } catch (error) {
    if (error instanceof CorralError) return error;
    throw error;
  }
  throw new Error('the plan was not refused');
}

describe('renderComposeSpec: the agent', () => {
  it('runs an idle keeper as its own uid and records the sandbox user for exec', () => {
    const agent = agentOf(plan());
    expect(agent.image).toBe('corral-sandbox:9d40424bde43');
    expect(agent.entrypoint).toEqual(['sleep']);
    expect(agent.command).toEqual(['infinity']);
    expect(agent.user).toBe('10999:10999');
    expect(agent.labels['corral.docker.user']).toBe('1000:1000');
    expect(agent.labels['corral.service']).toBe('agent');
    expect(agent.labels['corral.instance']).toBe('claude-k3x9q');
    expect(agent.init).toBe(true);
  });

  it('is fully hardened by default', () => {
    const agent = agentOf(plan());
    expect(agent.read_only).toBe(true);
    expect(agent.tmpfs).toEqual([`/tmp:rw,nosuid,nodev,exec,mode=1777,size=${1024 * mib}`]);
    expect(agent.environment.HOME).toBe('/tmp/home');
    expect(agent.cap_drop).toEqual(['ALL']);
    expect(agent.security_opt).toEqual(['no-new-privileges']);
    expect(agent.privileged).toBe(false);
    expect(agent.mem_limit).toBe(1024 * mib);
    expect(agent.memswap_limit).toBe(1024 * mib);
    expect(agent.cpus).toBe(2);
    expect(agent.pids_limit).toBe(512);
    expect(agent.ipc).toBe('private');
  });

  it('sees the workspace as its only host path', () => {
    expect(agentOf(plan()).volumes).toEqual([
      {
        type: 'bind',
        source: '/home/me/.corral/instances/claude-k3x9q/workspace',
        target: '/workspace',
        read_only: false,
      },
    ]);
    expect(agentOf(plan()).working_dir).toBe('/workspace');
  });

  it('has no network at all without a gateway', () => {
    const spec = renderComposeSpec(plan());
    expect(Object.keys(spec.services)).toEqual(['agent']);
    expect(spec.services.agent?.network_mode).toBe('none');
    expect(spec.services.agent?.networks).toBeUndefined();
    expect(spec.networks).toBeUndefined();
    expect(spec.services.agent?.environment).not.toHaveProperty('HTTP_PROXY');
  });

  it('passes the plan environment through', () => {
    expect(agentOf(plan({ env: { CI: '1', PRICE: '$5' } })).environment).toMatchObject({
      CI: '1',
      PRICE: '$5',
    });
  });

  it('uses an explicit keeper', () => {
    expect(agentOf(plan({ keeper: { uid: 2000, gid: 3000 } })).user).toBe('2000:3000');
  });
});

describe('renderComposeSpec: relaxations, one at a time', () => {
  it('writable root keeps the tmpfs', () => {
    const agent = agentOf(plan({ relax: { writableRoot: true } }));
    expect(agent.read_only).toBe(false);
    expect(agent.tmpfs).toHaveLength(1);
    expect(agent.cap_drop).toEqual(['ALL']);
  });

  it('capabilities are given back by name, keeping the rest dropped and no-new-privileges', () => {
    const agent = agentOf(plan({ relax: { capAdd: ['NET_RAW', 'SYS_PTRACE'] } }));
    expect(agent.cap_drop).toEqual(['ALL']);
    expect(agent.cap_add).toEqual(['NET_RAW', 'SYS_PTRACE']);
    expect(agent.security_opt).toEqual(['no-new-privileges']);
    expect(agentOf(plan()).cap_add).toBeUndefined();
  });

  it('new privileges keep the dropped capabilities', () => {
    const agent = agentOf(plan({ relax: { newPrivileges: true } }));
    expect(agent.security_opt).toBeUndefined();
    expect(agent.cap_drop).toEqual(['ALL']);
  });

  it('no limits drops memory, cpu, pids and the tmpfs size only', () => {
    const agent = agentOf(plan({ relax: { noLimits: true } }));
    expect(agent.mem_limit).toBeUndefined();
    expect(agent.memswap_limit).toBeUndefined();
    expect(agent.cpus).toBeUndefined();
    expect(agent.pids_limit).toBeUndefined();
    expect(agent.tmpfs).toEqual(['/tmp:rw,nosuid,nodev,exec,mode=1777']);
    expect(agent.read_only).toBe(true);
  });

  it('root needs its flag, and then runs commands as uid 0 whoever owns the workspace', () => {
    const root = { uid: 0, gid: 0 };
    expect(refusal(plan({ user: root })).message).toMatch(/sandbox user would run as root/);
    expect(refusal(plan({ keeper: root })).message).toMatch(/keeper would run as root/);
    expect(refusal(plan({ keeper: root, relax: { rootUser: true } })).message).toMatch(
      /keeper would run as root/,
    );
    expect(agentOf(plan({ user: root, relax: { rootUser: true } })).labels).toMatchObject({
      'corral.docker.user': '0:0',
    });
    const agent = agentOf(plan({ relax: { rootUser: true } }));
    expect(agent.labels['corral.docker.user']).toBe('0:0');
    expect(agent.user).toBe('10999:10999');
    expect(agent.cap_drop).toEqual(['ALL']);
  });

  it('the engine socket comes with its group', () => {
    const socket = { source: '/run/docker.sock', target: '/var/run/docker.sock', readOnly: false };
    const agent = agentOf(
      plan({ extraMounts: [socket], groupAdd: [998], relax: { dockerSocket: true } }),
    );
    expect(agent.volumes).toContainEqual({
      type: 'bind',
      source: '/run/docker.sock',
      target: '/var/run/docker.sock',
      read_only: false,
    });
    expect(agent.group_add).toEqual(['998']);
  });

  it('refuses mounts over the workspace, /tmp, / or a kernel filesystem, and relative ones', () => {
    const relax = { hostMounts: true };
    for (const target of [
      '/workspace',
      '/workspace/x',
      '/tmp',
      '/tmp/home',
      '/',
      '/proc/x',
      'rel',
      '/a/../b',
    ]) {
      const mount = { source: '/srv/cache', target, readOnly: true };
      expect(refusal(plan({ extraMounts: [mount], relax })).code, target).toBe('USAGE');
    }
    expect(
      refusal(plan({ extraMounts: [{ source: 'cache', target: '/cache', readOnly: true }], relax }))
        .message,
    ).toMatch(/absolute host path/);
  });

  it('every relaxation at once leaves the gateway fully hardened', () => {
    const spec = renderComposeSpec(
      plan({
        gateway,
        relax: {
          rootUser: true,
          capAdd: ['NET_ADMIN'],
          newPrivileges: true,
          writableRoot: true,
          noLimits: true,
          hostMounts: true,
        },
        extraMounts: [{ source: '/srv/cache', target: '/cache', readOnly: false }],
      }),
    );
    const gw = spec.services.gateway;
    expect(gw?.user).toBe('1000:1000');
    expect(gw?.read_only).toBe(true);
    expect(gw?.cap_drop).toEqual(['ALL']);
    expect(gw?.cap_add).toBeUndefined();
    expect(gw?.security_opt).toEqual(['no-new-privileges']);
    expect(gw?.mem_limit).toBe(512 * mib);
    expect(gw?.volumes.map((v) => v.target)).not.toContain('/cache');
    const agent = spec.services.agent;
    expect(agent?.read_only).toBe(false);
    expect(agent?.mem_limit).toBeUndefined();
    expect(agent?.labels['corral.docker.user']).toBe('0:0');
  });

  it('host mounts need their flag, and the engine socket a second one', () => {
    const extra = { source: '/srv/cache', target: '/cache', readOnly: true };
    expect(refusal(plan({ extraMounts: [extra] })).hint).toMatch(/relax.hostMounts/);
    const agent = agentOf(plan({ extraMounts: [extra], relax: { hostMounts: true } }));
    expect(agent.volumes).toContainEqual({
      type: 'bind',
      source: '/srv/cache',
      target: '/cache',
      read_only: true,
    });

    const socket = {
      source: '/var/run/docker.sock',
      target: '/var/run/docker.sock',
      readOnly: false,
    };
    expect(refusal(plan({ extraMounts: [socket], relax: { hostMounts: true } })).hint).toMatch(
      /relax.dockerSocket/,
    );
    expect(
      agentOf(plan({ extraMounts: [socket], relax: { hostMounts: true, dockerSocket: true } }))
        .volumes,
    ).toHaveLength(2);
  });
});

describe('renderComposeSpec: refusals', () => {
  it('refuses a keeper that shares the agent uid', () => {
    expect(refusal(plan({ keeper: { uid: 1000, gid: 5 } })).message).toMatch(/share uid 1000/);
  });

  it('refuses a project name Compose would rewrite', () => {
    expect(refusal(plan({ instanceId: 'Claude.K3' })).code).toBe('USAGE');
  });

  it('refuses a relative workspace path', () => {
    expect(refusal(plan({ workspaceDir: 'workspace' })).message).toMatch(/not absolute/);
  });

  it('refuses a secret that has a value in the plan', () => {
    expect(refusal(plan({ env: { ANTHROPIC_API_KEY: 'sk-real' }, gateway })).message).toMatch(
      /by name only/,
    );
    expect(
      refusal(plan({ gateway: { ...gateway, env: { ANTHROPIC_API_KEY: 'sk-real' } } })).message,
    ).toMatch(/by name only/);
  });
});

describe('renderComposeSpec: with a gateway', () => {
  const spec = renderComposeSpec(plan({ gateway }));
  const agent = spec.services.agent;
  const gw = spec.services.gateway;

  it('gives the internal network the subnet the plan names, and none otherwise', () => {
    expect(spec.networks?.internal?.ipam).toBeUndefined();
    const fixed = renderComposeSpec(plan({ gateway, internalSubnet: '198.18.3.16/28' }));
    expect(fixed.networks?.internal?.ipam).toEqual({ config: [{ subnet: '198.18.3.16/28' }] });
    expect(fixed.networks?.outbound?.ipam).toBeUndefined();
  });

  it('puts the agent only on the internal network, and the gateway on both', () => {
    expect(agent?.networks).toEqual(['internal']);
    expect(agent?.network_mode).toBeUndefined();
    expect(agent?.depends_on).toEqual(['gateway']);
    expect(gw?.networks).toEqual(['internal', 'outbound']);
    // Only the gateway knows the host: a model server on the developer's loopback.
    expect(gw?.extra_hosts).toEqual(['host.docker.internal:host-gateway']);
    expect(agent?.extra_hosts).toBeUndefined();
    expect(spec.networks?.internal?.internal).toBe(true);
    expect(spec.networks?.internal?.driver_opts).toEqual({
      'com.docker.network.bridge.inhibit_ipv4': 'true',
    });
    expect(agent?.sysctls).toEqual({ 'net.ipv6.conf.all.disable_ipv6': '1' });
    expect(spec.networks?.outbound?.internal).toBeUndefined();
    expect(spec.networks?.internal?.labels?.['corral.instance']).toBe('claude-k3x9q');
  });

  it('points the agent at the gateway by service name', () => {
    expect(agent?.environment).toMatchObject({
      HTTP_PROXY: 'http://gateway:3128',
      HTTPS_PROXY: 'http://gateway:3128',
      http_proxy: 'http://gateway:3128',
      https_proxy: 'http://gateway:3128',
      NO_PROXY: 'localhost,127.0.0.1,::1,gateway',
      ANTHROPIC_BASE_URL: 'http://gateway:8080/anthropic',
      CI: '1',
    });
  });

  it('the gateway routing wins over the plan environment', () => {
    const agentEnv = agentOf(
      plan({ env: { HTTPS_PROXY: 'http://evil:1', ANTHROPIC_BASE_URL: 'http://x' }, gateway }),
    ).environment;
    expect(agentEnv.HTTPS_PROXY).toBe('http://gateway:3128');
    expect(agentEnv.ANTHROPIC_BASE_URL).toBe('http://gateway:8080/anthropic');
  });

  it('gives the gateway its keys by name only, never to the agent', () => {
    expect(gw?.environment).toEqual({ ANTHROPIC_API_KEY: null });
    expect(agent?.environment).not.toHaveProperty('ANTHROPIC_API_KEY');
    expect(JSON.stringify(spec)).not.toContain('sk-');
  });

  it('mounts the config file and policy dir read-only, nothing else', () => {
    expect(gw?.volumes).toEqual([
      {
        type: 'bind',
        source: gateway.configFile,
        target: '/etc/corral/gateway/config.json',
        read_only: true,
      },
      {
        type: 'bind',
        source: gateway.policyDir,
        target: '/etc/corral/gateway/policy',
        read_only: true,
      },
    ]);
  });

  it('runs the gateway command hardened, as the sandbox user by default', () => {
    expect(gw?.image).toBe('corral-gateway:1');
    expect(gw?.entrypoint).toEqual(['node', '/opt/corral/gateway.js']);
    expect(gw?.user).toBe('1000:1000');
    expect(gw?.read_only).toBe(true);
    expect(gw?.cap_drop).toEqual(['ALL']);
    expect(gw?.security_opt).toEqual(['no-new-privileges']);
    expect(gw?.mem_limit).toBe(512 * mib);
    expect(gw?.pids_limit).toBe(256);
    expect(gw?.labels['corral.service']).toBe('gateway');
    expect(gw?.labels['corral.docker.user']).toBeUndefined();
  });

  it('takes the gateway user, limits and environment from the plan', () => {
    const g = renderComposeSpec(
      plan({
        gateway: {
          ...gateway,
          user: { uid: 4000, gid: 4000 },
          limits: { memoryBytes: 128 * mib, cpus: 0.5, pids: 64 },
          env: { LOG_LEVEL: 'debug' },
        },
      }),
    ).services.gateway;
    expect(g?.user).toBe('4000:4000');
    expect(g?.mem_limit).toBe(128 * mib);
    expect(g?.cpus).toBe(0.5);
    expect(g?.environment).toEqual({ LOG_LEVEL: 'debug', ANTHROPIC_API_KEY: null });
  });

  it('mounts log files writable under /var/log/corral, and refuses relative ones', () => {
    const logFile = '/home/me/.corral/instances/claude-k3x9q/egress.log';
    const g = renderComposeSpec(plan({ gateway: { ...gateway, logFiles: [logFile] } })).services
      .gateway;
    expect(g?.volumes.at(-1)).toEqual({
      type: 'bind',
      source: logFile,
      target: '/var/log/corral/egress.log',
      read_only: false,
    });
    expect(refusal(plan({ gateway: { ...gateway, logFiles: ['egress.log'] } })).message).toMatch(
      /not an absolute path/,
    );
  });

  it('joins an existing outbound network as external, without labels', () => {
    const s = renderComposeSpec(plan({ gateway: { ...gateway, outboundNetworkName: 'models' } }));
    expect(s.networks?.outbound).toEqual({ external: true, name: 'models' });
    expect(s.services.gateway?.networks).toEqual(['internal', 'outbound']);
    expect(s.networks?.internal?.internal).toBe(true);
  });

  it('refuses a gateway running as root, whatever the agent may do', () => {
    const root = { uid: 0, gid: 0 };
    const relax = { rootUser: true };
    expect(refusal(plan({ gateway: { ...gateway, user: root } })).message).toMatch(
      /gateway would run as root/,
    );
    expect(refusal(plan({ gateway: { ...gateway, user: root }, relax })).message).toMatch(
      /gateway would run as root/,
    );
    expect(refusal(plan({ gateway, user: root, relax })).message).toMatch(
      /gateway would run as root/,
    );
    const spec = renderComposeSpec(
      plan({ gateway: { ...gateway, user: { uid: 10001, gid: 10001 } }, user: root, relax }),
    );
    expect(spec.services.gateway?.user).toBe('10001:10001');
    expect(spec.services.agent?.labels['corral.docker.user']).toBe('0:0');
  });
});
