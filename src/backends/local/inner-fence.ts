/**
 * The command line srt hands to `bash -c` inside its sandbox. srt's own layers leave the
 * command an unprivileged user with no capabilities, but free to make a user namespace of
 * its own (`unshare -r`), which hands it every capability there: mounts, raw sockets,
 * and the kernel code behind them, a common way out of a sandbox. Docker's seccomp
 * profile refuses that; here one more bubblewrap does, inside srt's: `--disable-userns`
 * caps the namespaces below it at the one it uses itself, so any further one fails
 * (ENOSPC), and it drops every capability, the bounding set too. It also gives the
 * command a pid namespace of its own (`process-tree.ts` finds the command below its init)
 * and, when no cgroup counts the sandbox's processes, sets RLIMIT_NPROC first, which
 * then counts only the processes in those namespaces (see `sandbox-limits.ts`).
 */
import { quoteArgv } from '../../lib/quote-argv.js';

export interface InnerFenceOptions {
  /** Absolute path of bubblewrap, which the fence leaves visible (a system directory). */
  bwrap: string;
  /**
   * bash, which runs the argv as srt's `bash -c` did (a missing command is bash's
   * "command not found", 127) and, for one simple command, by exec'ing it: no shell is
   * left between the inner init and the command.
   */
  shell: string;
  /** RLIMIT_NPROC for the command, or null. */
  nproc?: number | null;
  /** Variables set (to these values) for the command, over srt's. */
  setEnv?: Record<string, string>;
}

/**
 * @example
 * buildCommandLine(['make', 'test'], { bwrap: '/usr/bin/bwrap', shell: '/usr/bin/bash', nproc: 1024 })
 * // "ulimit -u 1024 && exec '/usr/bin/bwrap' '--unshare-user' … '--' '/usr/bin/bash' '-c' '\"$@\"' 'bash' 'make' 'test'"
 */
export function buildCommandLine(argv: readonly string[], options: InnerFenceOptions): string {
  const env = Object.entries(options.setEnv ?? {}).flatMap(([k, v]) => ['--setenv', k, v]);
  const bwrap = [
    options.bwrap,
    '--unshare-user',
    '--disable-userns',
    '--unshare-pid',
    '--die-with-parent',
    '--cap-drop',
    'ALL',
    '--dev-bind',
    '/',
    '/',
    '--proc',
    '/proc',
    ...env,
    '--',
    options.shell,
    '-c',
    '"$@"',
    'bash',
    ...argv,
  ];
  const limit = options.nproc ? `ulimit -u ${Math.floor(options.nproc)} && ` : '';
  return `${limit}exec ${quoteArgv(bwrap)}`;
}
