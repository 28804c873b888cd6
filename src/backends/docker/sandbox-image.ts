/**
 * The default sandbox image (images/sandbox/): a Debian with Node, Python and a C toolchain
 * that every other corral image builds on. Where its build context is, which tag it has,
 * and how to build it (Node's pinned version handed in as a build argument). The tag is a hash of the build context's content, so a changed
 * Dockerfile means a new tag, `corral run` notices the image is not built yet, and an old
 * image is never silently reused. Extra CA certificates given at build time are added to a
 * temporary copy of the context and do not change the tag (see ca-certs.ts).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Dockerode from 'dockerode';
import { newDockerode } from './load-dockerode.js';
import { CorralError } from '../../lib/errors.js';
import { getSandboxBuildArgs, loadAgentVersions } from './agent-versions.js';
import { hashContext, withTemporaryContext } from './build-context.js';
import { runEngineBuild } from './engine-build.js';

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

/**
 * `corral-sandbox:<first 12 hex of sha256>` over the build context: each file's path and
 * content, in path order. Synchronous and cheap (a few small files), so callers may compute
 * it whenever they need the default image's name.
 *
 * @example getDefaultImageTag(findImagesDir()) // 'corral-sandbox:3f1c9a0b7d2e'
 */
export function getDefaultImageTag(imagesDir: string): string {
  const hash = createHash('sha256');
  hashContext(hash, getSandboxContextDir(imagesDir));
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

/**
 * Builds the default sandbox image (never pulls anything but what its FROM needs) and
 * returns its tag. The first build downloads Debian's toolchain and Node (a few minutes).
 *
 * @example await buildImage({ caCertFiles: [hostCaBundlePath], onProgress: (l) => console.error(l) })
 */
export async function buildImage(options: BuildImageOptions = {}): Promise<string> {
  const docker = options.docker ?? newDockerode();
  const imagesDir = options.imagesDir ?? findImagesDir();
  const tag = options.tag ?? getDefaultImageTag(imagesDir);
  await withTemporaryContext(
    getSandboxContextDir(imagesDir),
    options.caCertFiles ?? [],
    (context) =>
      runEngineBuild({
        docker,
        context,
        tag,
        buildArgs: getSandboxBuildArgs(loadAgentVersions(imagesDir)),
        onProgress: options.onProgress,
        signal: options.signal,
      }),
  );
  return tag;
}
