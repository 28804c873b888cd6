/**
 * The `--unsafe-…` options of `corral run`: each switches off one item of the sandbox's
 * hardening, by name, and is recorded in the instance's metadata (so `resume` runs it the
 * same way). Parsing refuses bad values with a one-line usage error; every relaxation in
 * force is announced with a one-line warning on stderr, on `run` and again on `resume`.
 */
import { isAbsolute, normalize } from 'node:path';
import type { Command } from 'commander';
import { Capability, listRelaxations, type HostMount, type Relaxations } from '../state/index.js';
import { progress, usage } from './output.js';
import { collect } from './run-options.js';

export interface UnsafeOptionValues {
  unsafeRoot?: boolean;
  unsafeCapAdd: string[];
  unsafeNewPrivileges?: boolean;
  unsafeWritableRoot?: boolean;
  unsafeNoLimits?: boolean;
  unsafeDockerSocket?: boolean;
  unsafeMount: string[];
}

export function addUnsafeOptions(command: Command): Command {
  return command
    .option('--unsafe-root', 'UNSAFE (docker): run commands as root (uid 0) in the sandbox')
    .option(
      '--unsafe-cap-add <cap>',
      'UNSAFE (docker): give back a Linux capability, e.g. NET_RAW (repeatable; gained only with --unsafe-new-privileges)',
      collect,
      [],
    )
    .option(
      '--unsafe-new-privileges',
      'UNSAFE (docker): let setuid binaries raise privileges (no no-new-privileges)',
    )
    .option('--unsafe-writable-root', "UNSAFE (docker): make the image's root filesystem writable")
    .option('--unsafe-no-limits', 'UNSAFE: no memory, CPU or process-count limit')
    .option(
      '--unsafe-docker-socket',
      "UNSAFE (docker): mount the engine's socket in the sandbox (control of the host)",
    )
    .option(
      '--unsafe-mount <host:container[:ro]>',
      'UNSAFE (docker): mount a host path besides the workspace (repeatable)',
      collect,
      [],
    );
}

function parseCapability(value: string): Capability {
  const name = value.trim().toUpperCase().replace(/^CAP_/, '');
  const parsed = Capability.safeParse(name);
  if (!parsed.success) {
    throw usage(
      `--unsafe-cap-add '${value}' is not a Linux capability.`,
      'Use a name from capabilities(7), e.g. NET_RAW or SYS_PTRACE.',
    );
  }
  return parsed.data;
}

/** `host:container`, `host:container:ro` or `host:container:rw`, both paths absolute. */
export function parseMount(value: string): HostMount {
  const parts = value.split(':');
  const mode = parts.length === 3 ? parts[2] : 'rw';
  const [source = '', target = ''] = parts;
  if (
    parts.length < 2 ||
    parts.length > 3 ||
    !source ||
    !target ||
    (mode !== 'ro' && mode !== 'rw')
  )
    throw usage(
      `--unsafe-mount '${value}' is not host:container[:ro].`,
      'E.g. --unsafe-mount /srv/cache:/cache:ro',
    );
  if (!isAbsolute(source))
    throw usage(`--unsafe-mount '${value}': the host path ${source} is not absolute.`);
  if (!isAbsolute(target))
    throw usage(`--unsafe-mount '${value}': the container path ${target} is not absolute.`);
  return { source: normalize(source), target, readOnly: mode === 'ro' };
}

/**
 * The relaxations and mounts the options ask for; hardened (`{}`, `[]`) when none. What
 * only the backend can check (a host path that exists, a target it may cover) is checked
 * by its `prepare`, before anything is made.
 */
export function parseUnsafeOptions(o: UnsafeOptionValues): {
  relax: Relaxations;
  mounts: HostMount[];
} {
  const capAdd = [...new Set(o.unsafeCapAdd.flatMap((v) => v.split(',')).map(parseCapability))];
  const mounts = o.unsafeMount.map(parseMount);
  const targets = new Set<string>();
  for (const m of mounts) {
    if (targets.has(m.target))
      throw usage(`--unsafe-mount: two mounts at ${m.target}.`, 'Give each a distinct target.');
    targets.add(m.target);
  }
  const relax: Relaxations = {
    ...(o.unsafeRoot ? { rootUser: true } : {}),
    ...(capAdd.length ? { capAdd } : {}),
    ...(o.unsafeNewPrivileges ? { newPrivileges: true } : {}),
    ...(o.unsafeWritableRoot ? { writableRoot: true } : {}),
    ...(o.unsafeNoLimits ? { noLimits: true } : {}),
    ...(mounts.length ? { hostMounts: true } : {}),
    ...(o.unsafeDockerSocket ? { dockerSocket: true } : {}),
  };
  return { relax, mounts };
}

/** One warning line on stderr per relaxation in force (and call added to the model API's list). */
export function warnRelaxations(m: {
  relax: Relaxations;
  mounts: HostMount[];
  modelPolicy?: { allowApi: string[] };
}): void {
  for (const r of listRelaxations(m.relax, m.mounts, m.modelPolicy?.allowApi))
    progress(`corral: warning: ${r.flag}: ${r.weakens}`);
}
