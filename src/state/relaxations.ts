/**
 * The hardening a user switched off for one instance, as recorded in its metadata: each
 * item named on its own (`--unsafe-…` flags on `corral run`), absent meaning hardened, so
 * an old record with none of them reads as fully hardened. Also the one table of what each
 * item weakens, in the words the warnings, `corral policy` and the refusals use; a call the
 * model gateway was told to let through besides the agent CLI's own (`--allow-model-api`)
 * is listed the same way, since it lends the agent more of the key.
 */
import { z } from 'zod';

/** Linux capability names (capabilities(7)), as Docker spells them: without `CAP_`. */
export const capabilityNames = [
  'AUDIT_CONTROL',
  'AUDIT_READ',
  'AUDIT_WRITE',
  'BLOCK_SUSPEND',
  'BPF',
  'CHECKPOINT_RESTORE',
  'CHOWN',
  'DAC_OVERRIDE',
  'DAC_READ_SEARCH',
  'FOWNER',
  'FSETID',
  'IPC_LOCK',
  'IPC_OWNER',
  'KILL',
  'LEASE',
  'LINUX_IMMUTABLE',
  'MAC_ADMIN',
  'MAC_OVERRIDE',
  'MKNOD',
  'NET_ADMIN',
  'NET_BIND_SERVICE',
  'NET_BROADCAST',
  'NET_RAW',
  'PERFMON',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYSLOG',
  'SYS_ADMIN',
  'SYS_BOOT',
  'SYS_CHROOT',
  'SYS_MODULE',
  'SYS_NICE',
  'SYS_PACCT',
  'SYS_PTRACE',
  'SYS_RAWIO',
  'SYS_RESOURCE',
  'SYS_TIME',
  'SYS_TTY_CONFIG',
  'WAKE_ALARM',
] as const;
export const Capability = z.enum(capabilityNames);
export type Capability = z.infer<typeof Capability>;

export const Relaxations = z.object({
  rootUser: z.boolean().optional().describe('commands run as uid 0 inside the sandbox'),
  capAdd: z
    .array(Capability)
    .optional()
    .describe(
      'capabilities given back after all are dropped (to the bounding set: a process gains them on exec, as root or by a setuid or file-capability binary, only without no-new-privileges)',
    ),
  newPrivileges: z
    .boolean()
    .optional()
    .describe('setuid binaries and file capabilities may raise privileges'),
  writableRoot: z.boolean().optional().describe('the root filesystem is writable'),
  noLimits: z.boolean().optional().describe('no memory, CPU or process-count limit'),
  hostMounts: z.boolean().optional().describe('host paths besides the workspace (`mounts`)'),
  dockerSocket: z
    .boolean()
    .optional()
    .describe("the engine's socket is mounted at /var/run/docker.sock"),
});
export type Relaxations = z.infer<typeof Relaxations>;

export const HostMount = z.object({
  source: z.string().describe('absolute host path'),
  target: z.string().describe('absolute path inside the sandbox'),
  readOnly: z.boolean(),
});
export type HostMount = z.infer<typeof HostMount>;

/** One switched-off item: the flag that did it and what it weakens. */
export interface Relaxation {
  flag: string;
  weakens: string;
}

/**
 * Every item `relax`, `mounts` and `allowModelApi` switch off, in a fixed order; empty when
 * fully hardened.
 *
 * @example
 * listRelaxations({ rootUser: true }, [])
 * // [{ flag: '--unsafe-root', weakens: 'commands run as root (uid 0) inside the sandbox' }]
 */
export function listRelaxations(
  relax: Relaxations,
  mounts: readonly HostMount[],
  allowModelApi: readonly string[] = [],
): Relaxation[] {
  const out: Relaxation[] = [];
  if (relax.rootUser)
    out.push({ flag: '--unsafe-root', weakens: 'commands run as root (uid 0) inside the sandbox' });
  if (relax.capAdd?.length) {
    const caps = relax.capAdd.join(', ');
    out.push({
      flag: `--unsafe-cap-add ${relax.capAdd.join(',')}`,
      // A process gains a capability on exec (as root, or by a setuid or file-capability
      // binary), which no-new-privileges forbids: then they are only in the bounding set.
      weakens: relax.newPrivileges
        ? `${caps} can be gained (by root, setuid or file-capability binaries) instead of no capability at all`
        : `${caps} back in the bounding set (gained by no process while no-new-privileges is on)`,
    });
  }
  if (relax.newPrivileges)
    out.push({
      flag: '--unsafe-new-privileges',
      weakens: 'setuid binaries and file capabilities can raise privileges (no-new-privileges off)',
    });
  if (relax.writableRoot)
    out.push({
      flag: '--unsafe-writable-root',
      weakens: "the sandbox can write its image's root filesystem",
    });
  if (relax.noLimits)
    out.push({
      flag: '--unsafe-no-limits',
      weakens: 'no memory, CPU or process-count limit: the sandbox can exhaust the host',
    });
  if (relax.dockerSocket)
    out.push({
      flag: '--unsafe-docker-socket',
      weakens: "the engine's socket is mounted in the sandbox, which gives control of the host",
    });
  for (const m of mounts)
    out.push({
      flag: `--unsafe-mount ${m.source}:${m.target}${m.readOnly ? ':ro' : ''}`,
      weakens: `the sandbox sees host path ${m.source} at ${m.target} (${m.readOnly ? 'read-only' : 'writable'})`,
    });
  for (const call of allowModelApi)
    out.push({
      flag: `--allow-model-api '${call}'`,
      weakens: `the agent may call ${call} on its model API with the real key`,
    });
  return out;
}
