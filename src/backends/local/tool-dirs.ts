/**
 * Where the programs a local sandbox must run (an agent's CLI) live on the host, when that
 * is somewhere the fence hides: `~/.local/bin/claude`, a global npm prefix under `~/.nvm`,
 * `/opt/…`. Each is found on the host's PATH as the shell would find it; what the sandbox
 * then needs to read is the PATH entry itself, and the install the command's real path
 * belongs to (for an npm package, the whole `node_modules` it sits in, since a CLI loads
 * its siblings: Codex its platform binary, for one), plus the Node that runs corral when
 * that is hidden too (a CLI with a `#!/usr/bin/env node` line needs one). Nothing is made
 * writable; system directories, which the fence never hides, are left out, and so is any
 * directory that is or holds the home or corral's state root, or lies inside the state
 * root: a CLI installed straight into the home directory stays hidden, and missing, while
 * one in `~/.local/bin` is seen.
 */
import { access, constants, realpath } from 'node:fs/promises';
import { delimiter, dirname, isAbsolute, join, sep } from 'node:path';
import { systemDirs } from './fence.js';

/** Whether the fence leaves `path` readable anyway: it lies in a system directory. */
function isVisibleAnyway(path: string): boolean {
  return systemDirs.has(path.split(sep)[1] ?? '');
}

async function isExecutable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

/** The install a real path belongs to: everything up to its last `node_modules`, else its directory. */
function installRoot(real: string): string {
  const parts = real.split(sep);
  const last = parts.lastIndexOf('node_modules');
  return last > 0 ? parts.slice(0, last + 1).join(sep) : dirname(real);
}

/** The first `name` on `path`, as the shell would run it. */
async function which(name: string, path: string): Promise<string | undefined> {
  for (const dir of path.split(delimiter)) {
    if (!dir || !isAbsolute(dir)) continue;
    const candidate = join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * The directories to make readable so that `tools` run in the sandbox as on the host; a
 * tool that is not on PATH adds nothing (the sandbox then says it is missing).
 *
 * @example
 * await getToolDirs(['claude'], '/root/.local/bin:/usr/bin', '/usr/bin/node')
 * // ['/root/.local/bin', '/root/.local/share/claude/versions']
 */
export async function getToolDirs(
  tools: readonly string[],
  path: string,
  nodePath: string,
  hidden: { home?: string; stateRoot?: string } = {},
): Promise<string[]> {
  const dirs = new Set<string>();
  for (const tool of tools) {
    if (tool.includes('/')) continue;
    const found = await which(tool, path);
    if (!found) continue;
    dirs.add(dirname(found));
    const real = await realpath(found).catch(() => found);
    dirs.add(installRoot(real));
  }
  if (dirs.size > 0) {
    // The Node corral runs on: what `#!/usr/bin/env node` finds when PATH leads there.
    const node = await realpath(nodePath).catch(() => nodePath);
    dirs.add(dirname(dirname(node)));
  }
  const holds = (d: string, p: string | undefined) =>
    p !== undefined && (p === d || p.startsWith(`${d}${sep}`));
  const clashes = (d: string) =>
    holds(d, hidden.home) ||
    holds(d, hidden.stateRoot) ||
    (hidden.stateRoot !== undefined && d.startsWith(`${hidden.stateRoot}${sep}`));
  return [...dirs].filter((d) => d !== '/' && !isVisibleAnyway(d) && !clashes(d)).sort();
}
