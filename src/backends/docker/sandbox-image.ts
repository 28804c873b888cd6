/**
 * The default sandbox image (images/sandbox/): where its build context is, which tag it
 * has, and how to build it. The tag is a hash of the build context's content, so a changed
 * Dockerfile means a new tag, `corral run` notices the image is not built yet, and an old
 * image is never silently reused. Extra CA certificates given at build time are added to a
 * temporary copy of the context and do not change the tag (see ca-certs.ts).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Dockerode from 'dockerode';
import { newDockerode } from './load-dockerode.js';
import { CorralError } from '../../lib/errors.js';
import { followBuild } from './build-progress.js';
import { writeCaCerts } from './ca-certs.js';
import { isEngineDown, engineUnavailable } from './engine-errors.js';

export const sandboxImageRepository = 'corral-sandbox';

/** The build context of the default image, inside the images directory. */
export function getSandboxContextDir(imagesDir: string): string {
  return join(imagesDir, 'sandbox');
}

/**
 * The `images/` directory shipped next to the package root. Found by walking up from this
 * file, so it works from `src/` (tests) and from `dist/` (the installed CLI) alike.
 */
export function findImagesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'images');
    if (
      existsSync(join(candidate, 'sandbox', 'Dockerfile')) &&
      existsSync(join(dir, 'package.json'))
    ) {
      return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) {
      throw new CorralError('INTERNAL', 'The images/ directory of corral was not found.', {
        hint: 'Reinstall corral.',
      });
    }
    dir = parent;
  }
}

/** Every file under `dir`, as relative paths with `/` separators, sorted. */
function listFilesSync(dir: string): string[] {
  const entries = readdirSync(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort();
}

/**
 * `corral-sandbox:<first 12 hex of sha256>` over the build context: each file's path and
 * content, in path order. Synchronous and cheap (a few small files), so callers may compute
 * it whenever they need the default image's name.
 *
 * @example getDefaultImageTag(findImagesDir()) // 'corral-sandbox:3f1c9a0b7d2e'
 */
export function getDefaultImageTag(imagesDir: string): string {
  const contextDir = getSandboxContextDir(imagesDir);
  const hash = createHash('sha256');
  for (const file of listFilesSync(contextDir)) {
    const content = readFileSync(join(contextDir, file));
    // Lengths delimit the fields, so moving bytes between a name and a body changes the hash.
    hash.update(`${file.length}:${file}:${content.length}:`);
    hash.update(content);
  }
  return `${sandboxImageRepository}:${hash.digest('hex').slice(0, 12)}`;
}

export interface BuildImageOptions {
  docker?: Dockerode;
  /** Defaults to findImagesDir(). */
  imagesDir?: string;
  /** Defaults to the content-hash tag of the context. */
  tag?: string;
  /** PEM files (bundles allowed) whose certificates the image should trust. */
  caCertFiles?: readonly string[];
  /** One line of build output at a time. */
  onProgress?: (line: string) => void;
  signal?: AbortSignal;
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)));
}

function buildFailure(tag: string, error: string, tail: readonly string[]): CorralError {
  const tls = /certificate|x509|SSL|TLS/i.test([error, ...tail].join('\n'));
  return new CorralError('IMAGE_MISSING', `Building ${tag} failed: ${error}`, {
    hint: tls
      ? 'A TLS certificate was not trusted: pass your CA bundle with `corral image build --ca-cert FILE`.'
      : 'See the build output above.',
    cause: new Error(tail.join('\n')),
  });
}

/**
 * Builds the default sandbox image (never pulls anything but what its FROM needs) and
 * returns its tag.
 *
 * @example await buildImage({ caCertFiles: [hostCaBundlePath], onProgress: (l) => console.error(l) })
 */
export async function buildImage(options: BuildImageOptions = {}): Promise<string> {
  const docker = options.docker ?? newDockerode();
  const imagesDir = options.imagesDir ?? findImagesDir();
  const tag = options.tag ?? getDefaultImageTag(imagesDir);
  const { signal } = options;
  signal?.throwIfAborted();
  const context = await mkdtemp(join(tmpdir(), 'corral-image-'));
  try {
    await cp(getSandboxContextDir(imagesDir), context, { recursive: true });
    await writeCaCerts(join(context, 'certs'), options.caCertFiles ?? []);
    let stream: NodeJS.ReadableStream;
    try {
      stream = await docker.buildImage(
        { context, src: await listFiles(context) },
        {
          t: tag,
          rm: true,
          forcerm: true,
          // No corral.managed label: containers inherit image labels, so every container
          // anyone ran from this image would look like a corral sandbox to `corral gc`.
          abortSignal: signal,
        },
      );
    } catch (error) {
      signal?.throwIfAborted();
      if (isEngineDown(error)) throw await engineUnavailable(docker, error);
      throw error;
    }
    const outcome = await followBuild(stream, options.onProgress ?? (() => undefined)).catch(
      (error: unknown) => {
        signal?.throwIfAborted();
        throw error;
      },
    );
    signal?.throwIfAborted();
    if (outcome.error !== undefined) throw buildFailure(tag, outcome.error, outcome.tail);
    return tag;
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}
