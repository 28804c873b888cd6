/**
 * The agents image (images/agents/): the agent CLIs layered on a base that already holds
 * corral's Node and tools, which is the default sandbox image or corral's tools on a
 * repository's devcontainer (dev-image.ts). The CLIs' versions are pinned in
 * images/sandbox/agent-versions.json and handed to the build as arguments. The tag hashes
 * the agents context, the pinned versions and the base, so a change to any of them means a
 * new tag and an old image is never silently reused.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Dockerode from 'dockerode';
import { CorralError } from '../../lib/errors.js';
import { getAgentBuildArgs, getAgentVersionsPath, loadAgentVersions } from './agent-versions.js';
import { hashContext } from './build-context.js';
import { runEngineBuild } from './engine-build.js';
import { loadImageId } from './image-id.js';
import { newDockerode } from './load-dockerode.js';
import { findImagesDir, getDefaultImageTag } from './sandbox-image.js';

export const agentImageRepository = 'corral-agents';

/** The build context of the agents image, inside the images directory. */
export function getAgentContextDir(imagesDir: string): string {
  return join(imagesDir, 'agents');
}

/**
 * `<repository>:<12 hex>` over the agents context, the pinned versions and `base` (a tag
 * or an image ID), for the agent tools layered on that base.
 */
export function getAgentLayerTag(repository: string, imagesDir: string, base: string): string {
  const hash = createHash('sha256');
  hashContext(hash, getAgentContextDir(imagesDir));
  const versions = readFileSync(getAgentVersionsPath(imagesDir));
  hash.update(`versions:${versions.length}:`);
  hash.update(versions);
  hash.update(`base:${base}`);
  return `${repository}:${hash.digest('hex').slice(0, 12)}`;
}

/**
 * The default agents image: the agent CLIs on the default sandbox image. Synchronous and
 * cheap, like getDefaultImageTag.
 *
 * @example getAgentImageTag(findImagesDir()) // 'corral-agents:8e02b5c41a97'
 */
export function getAgentImageTag(imagesDir: string): string {
  return getAgentLayerTag(agentImageRepository, imagesDir, getDefaultImageTag(imagesDir));
}

export interface BuildAgentImageOptions {
  docker?: Dockerode;
  /** Defaults to findImagesDir(). */
  imagesDir?: string;
  /**
   * The image to layer on: the default sandbox image (the default) or a corral-dev image;
   * it must exist. The CLIs are fetched trusting its CA bundle.
   */
  baseImage?: string;
  /** Defaults to the content-hash tag for the base. */
  tag?: string;
  /** One line of build output at a time. */
  onProgress?: (line: string) => void;
  signal?: AbortSignal;
}

/** Checked first: a FROM naming a missing image would make the engine try to pull it. */
async function requireBase(docker: Dockerode, base: string, tag: string): Promise<void> {
  if ((await loadImageId(docker, base)) !== undefined) return;
  throw new CorralError('IMAGE_MISSING', `${base}, the base of ${tag}, is not built.`, {
    hint: 'Run `corral image build`.',
  });
}

/**
 * Builds the agent CLIs on a base image and returns the tag. The first build downloads
 * the CLIs (about 1 GB unpacked); later ones are layer-cache hits.
 *
 * @example await buildAgentImage({ onProgress: (l) => console.error(l) })
 */
export async function buildAgentImage(options: BuildAgentImageOptions = {}): Promise<string> {
  const docker = options.docker ?? newDockerode();
  const imagesDir = options.imagesDir ?? findImagesDir();
  const base = options.baseImage ?? getDefaultImageTag(imagesDir);
  const tag = options.tag ?? getAgentLayerTag(agentImageRepository, imagesDir, base);
  await requireBase(docker, base, tag);
  await runEngineBuild({
    docker,
    context: getAgentContextDir(imagesDir),
    tag,
    buildArgs: { BASE_IMAGE: base, ...getAgentBuildArgs(loadAgentVersions(imagesDir)) },
    onProgress: options.onProgress,
    signal: options.signal,
  });
  return tag;
}
