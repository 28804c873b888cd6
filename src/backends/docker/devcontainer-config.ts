/**
 * Reads a repository's `.devcontainer/devcontainer.json` (JSON with comments) for the one
 * thing corral takes from it: the image the repository's environment is built on, named
 * directly (`image`) or built from a Dockerfile (`build.dockerfile`, `build.context`,
 * `build.args`, `build.target`, or the older top-level `dockerFile`/`context`), paths
 * relative to the .devcontainer folder. Compose-based devcontainers are reported as
 * unsupported. The Dockerfile and its context must stay inside the repository: a hostile
 * repository must not be able to build the developer's home directory into an image its
 * agent can read.
 */
import { realpath, readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { z } from 'zod';
import { CorralError } from '../../lib/errors.js';
import { parseJsonc } from '../../lib/jsonc.js';

/** Where corral looks, relative to the repository root. */
export const devcontainerConfigPath = '.devcontainer/devcontainer.json';

export type DevcontainerBase =
  | { kind: 'image'; image: string }
  | {
      kind: 'build';
      /** Absolute. */
      dockerfile: string;
      /** Absolute. */
      context: string;
      args: Record<string, string>;
      target: string | undefined;
    }
  | { kind: 'unsupported'; reason: string };

const configSchema = z.object({
  image: z.string().min(1).optional(),
  build: z
    .object({
      dockerfile: z.string().min(1).optional(),
      dockerFile: z.string().min(1).optional(),
      context: z.string().min(1).optional(),
      args: z.record(z.string(), z.string()).optional(),
      target: z.string().min(1).optional(),
    })
    .optional(),
  dockerFile: z.string().min(1).optional(),
  context: z.string().min(1).optional(),
  dockerComposeFile: z.union([z.string(), z.array(z.string())]).optional(),
});

function invalid(file: string, detail: string, cause?: unknown): CorralError {
  return new CorralError('USAGE', `${file} is not a valid devcontainer.json: ${detail}`, {
    hint: 'Fix it, or remove it to run agents in the default image.',
    cause,
  });
}

/**
 * What `text`, the content of the devcontainer.json in `configDir`, says the base image
 * is. `file` only names it in errors.
 *
 * @example parseDevcontainerConfig('{ "image": "node:22" }', '/repo/.devcontainer') // { kind: 'image', image: 'node:22' }
 */
export function parseDevcontainerConfig(
  text: string,
  configDir: string,
  file = join(configDir, 'devcontainer.json'),
): DevcontainerBase {
  let json: unknown;
  try {
    json = parseJsonc(text);
  } catch (error) {
    throw invalid(file, (error as Error).message, error);
  }
  const parsed = configSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') || 'the top level';
    throw invalid(file, `${where}: ${issue?.message ?? 'unexpected content'}`, parsed.error);
  }
  const config = parsed.data;
  const dockerfile = config.build?.dockerfile ?? config.build?.dockerFile ?? config.dockerFile;
  if (dockerfile !== undefined) {
    return {
      kind: 'build',
      dockerfile: resolve(configDir, dockerfile),
      context: resolve(configDir, config.build?.context ?? config.context ?? '.'),
      args: config.build?.args ?? {},
      target: config.build?.target,
    };
  }
  if (config.image !== undefined) return { kind: 'image', image: config.image };
  if (config.dockerComposeFile !== undefined) {
    return { kind: 'unsupported', reason: 'it uses dockerComposeFile, which corral does not run' };
  }
  return { kind: 'unsupported', reason: 'it names neither an image nor a build' };
}

/** True when `path` is `root` or inside it. */
function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** Refuses a Dockerfile or context that leaves the repository, symlinks followed. */
async function checkInsideRepository(
  repoRoot: string,
  base: DevcontainerBase & { kind: 'build' },
  file: string,
): Promise<DevcontainerBase> {
  const root = await realpath(repoRoot);
  const real = async (path: string, what: string): Promise<string> => {
    try {
      return await realpath(path);
    } catch (error) {
      throw invalid(file, `its ${what} ${path} does not exist`, error);
    }
  };
  const dockerfile = await real(base.dockerfile, 'Dockerfile');
  const context = await real(base.context, 'build context');
  for (const [what, path] of [
    ['Dockerfile', dockerfile],
    ['build context', context],
  ] as const) {
    if (!isInside(root, path)) {
      throw invalid(file, `its ${what} ${path} is outside the repository ${root}`);
    }
  }
  return { ...base, dockerfile, context };
}

/**
 * The base image the repository's devcontainer names, or undefined when it has none.
 *
 * @example await loadDevcontainerConfig('/src/app') // { kind: 'build', dockerfile: '/src/app/.devcontainer/Dockerfile', … }
 */
export async function loadDevcontainerConfig(
  repoRoot: string,
): Promise<DevcontainerBase | undefined> {
  const file = join(repoRoot, devcontainerConfigPath);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new CorralError('IO_ERROR', `Cannot read ${file}.`, { cause: error });
  }
  const base = parseDevcontainerConfig(text, dirname(file), file);
  return base.kind === 'build' ? checkInsideRepository(repoRoot, base, file) : base;
}
