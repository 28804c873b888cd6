/**
 * corral's tools on a repository's devcontainer image (images/devcontainer/): git, the CA
 * bundle, ripgrep, corral-request and Node under /opt/corral (copied from the default
 * sandbox image), added to the repository's own environment. Every run in a repository
 * with a devcontainer uses it; agents get the agents image layered on it. The tag hashes
 * the context, the sandbox image's tag and the devcontainer image's ID, so a rebuilt
 * devcontainer or a new corral means a new tag.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type Dockerode from 'dockerode';
import { CorralError } from '../../lib/errors.js';
import { hashContext, withTemporaryContext } from './build-context.js';
import { runEngineBuild } from './engine-build.js';
import { loadImageId } from './image-id.js';
import { getDefaultImageTag } from './sandbox-image.js';

export const devImageRepository = 'corral-dev';

/** The build context of corral's tools on a devcontainer, inside the images directory. */
export function getDevContextDir(imagesDir: string): string {
  return join(imagesDir, 'devcontainer');
}

/**
 * `corral-dev:<12 hex>` for corral's tools on the devcontainer image `baseId`.
 *
 * @example getDevImageTag(findImagesDir(), 'sha256:4f2a…') // 'corral-dev:0c1d2e3f4a5b'
 */
export function getDevImageTag(imagesDir: string, baseId: string): string {
  const hash = createHash('sha256');
  hashContext(hash, getDevContextDir(imagesDir));
  hash.update(`sandbox:${getDefaultImageTag(imagesDir)}\nbase:${baseId}`);
  return `${devImageRepository}:${hash.digest('hex').slice(0, 12)}`;
}

export interface BuildDevImageOptions {
  docker: Dockerode;
  imagesDir: string;
  /** The devcontainer image (a tag or an ID); it must exist. */
  baseImage: string;
  tag: string;
  /** PEM files (bundles allowed) whose certificates the build and the image trust. */
  caCertFiles: readonly string[];
  /** One line of build output at a time. */
  onProgress?: (line: string) => void;
  signal?: AbortSignal;
}

/**
 * Builds corral's tools on a devcontainer image. The default sandbox image, which Node is
 * copied from, must be built.
 */
export async function buildDevImage(options: BuildDevImageOptions): Promise<string> {
  const { docker, imagesDir, tag } = options;
  const sandbox = getDefaultImageTag(imagesDir);
  if ((await loadImageId(docker, sandbox)) === undefined) {
    throw new CorralError(
      'IMAGE_MISSING',
      `${sandbox}, which ${tag} takes Node from, is not built.`,
      {
        hint: 'Run `corral image build --base-only`.',
      },
    );
  }
  await withTemporaryContext(getDevContextDir(imagesDir), options.caCertFiles, (context) =>
    runEngineBuild({
      docker,
      context,
      tag,
      buildArgs: { BASE_IMAGE: options.baseImage, SANDBOX_IMAGE: sandbox },
      onProgress: options.onProgress,
      signal: options.signal,
    }),
  );
  return tag;
}
