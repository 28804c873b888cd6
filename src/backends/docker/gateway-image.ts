/**
 * The gateway image (images/gateway/): the compiled gateway sidecar and zod, run by the
 * sandbox image's node. Its context is assembled in a temporary directory from
 * images/gateway/ and the package's own files (gateway-files.ts). The tag hashes that
 * Dockerfile, every copied file and the sandbox image's tag, so a rebuilt gateway or a new
 * Node means a new tag and an old image is never silently reused.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chmod, copyFile, cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type Dockerode from 'dockerode';
import { CorralError } from '../../lib/errors.js';
import { hashContext } from './build-context.js';
import { runEngineBuild } from './engine-build.js';
import { listGatewayFiles, type GatewayFile } from './gateway-files.js';
import { loadImageId } from './image-id.js';
import { newDockerode } from './load-dockerode.js';
import { findImagesDir, getDefaultImageTag } from './sandbox-image.js';

export const gatewayImageRepository = 'corral-gateway';

/** The Dockerfile (and package.json) of the gateway image, inside the images directory. */
export function getGatewayContextDir(imagesDir: string): string {
  return join(imagesDir, 'gateway');
}

function tagOf(imagesDir: string, files: readonly GatewayFile[], base: string) {
  const hash = createHash('sha256');
  hashContext(hash, getGatewayContextDir(imagesDir));
  for (const file of files) {
    const content = readFileSync(file.source);
    hash.update(`app/${file.path.length}:${file.path}:${content.length}:`);
    hash.update(content);
  }
  hash.update(`base:${base}`);
  return `${gatewayImageRepository}:${hash.digest('hex').slice(0, 12)}`;
}

/**
 * `corral-gateway:<12 hex>` for the package `imagesDir` ships with (its `dist/` must be
 * built). Synchronous: it reads a few MB (mostly zod).
 *
 * @example getGatewayImageTag(findImagesDir()) // 'corral-gateway:5b1e0c9d2f47'
 */
export function getGatewayImageTag(imagesDir: string): string {
  return tagOf(imagesDir, listGatewayFiles(dirname(imagesDir)), getDefaultImageTag(imagesDir));
}

export interface BuildGatewayImageOptions {
  docker?: Dockerode;
  /** Defaults to findImagesDir(); the package around it provides `dist/` and zod. */
  imagesDir?: string;
  /** One line of build output at a time. */
  onProgress?: (line: string) => void;
  signal?: AbortSignal;
}

/** Checked first: a FROM naming a missing image would make the engine try to pull it. */
async function requireImage(docker: Dockerode, image: string, tag: string): Promise<void> {
  if ((await loadImageId(docker, image)) !== undefined) return;
  throw new CorralError('IMAGE_MISSING', `${image}, needed by ${tag}, is not built.`, {
    hint: 'Run `corral image build`.',
  });
}

/** images/gateway/ plus app/ holding `files`, world-readable for the unprivileged uid. */
async function assembleContext(
  imagesDir: string,
  files: readonly GatewayFile[],
  context: string,
): Promise<void> {
  await cp(getGatewayContextDir(imagesDir), context, { recursive: true });
  const dirs = new Set<string>();
  for (const file of files) {
    const target = join(context, 'app', ...file.path.split('/'));
    if (!dirs.has(dirname(target))) {
      await mkdir(dirname(target), { recursive: true, mode: 0o755 });
      dirs.add(dirname(target));
    }
    await copyFile(file.source, target);
    await chmod(target, 0o644);
  }
}

/**
 * Builds the gateway image on the sandbox image and returns the tag. Fast (no download): a
 * few MB of files over the sandbox image.
 *
 * @example await buildGatewayImage({ onProgress: (l) => console.error(l) })
 */
export async function buildGatewayImage(options: BuildGatewayImageOptions = {}): Promise<string> {
  const docker = options.docker ?? newDockerode();
  const imagesDir = options.imagesDir ?? findImagesDir();
  const files = listGatewayFiles(dirname(imagesDir));
  const base = getDefaultImageTag(imagesDir);
  const tag = tagOf(imagesDir, files, base);
  await requireImage(docker, base, tag);
  const context = await mkdtemp(join(tmpdir(), 'corral-image-'));
  try {
    await assembleContext(imagesDir, files, context);
    await runEngineBuild({
      docker,
      context,
      tag,
      buildArgs: { BASE_IMAGE: base },
      onProgress: options.onProgress,
      signal: options.signal,
    });
  } finally {
    await rm(context, { recursive: true, force: true });
  }
  return tag;
}
