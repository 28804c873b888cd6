/**
 * What `corral image build` builds: the default sandbox image (the shell agent and `corral
 * demo` need only this one), then the agents image (the agent CLIs on top of it), then the
 * gateway image (the sidecar, on the sandbox image too). The sandbox build trusts the CA
 * certificates given; the two others inherit its trust store.
 */
import type Dockerode from 'dockerode';
import { buildAgentImage, getAgentImageTag } from './agent-image.js';
import { buildGatewayImage, getGatewayImageTag } from './gateway-image.js';
import { newDockerode } from './load-dockerode.js';
import { buildImage, findImagesDir, getDefaultImageTag } from './sandbox-image.js';

export interface BuildImagesOptions {
  docker?: Dockerode;
  /** Defaults to findImagesDir(). */
  imagesDir?: string;
  /** Build only the sandbox image (no agents image, no gateway image). */
  baseOnly?: boolean;
  /** PEM files (bundles allowed) whose certificates the builds and the images trust. */
  caCertFiles?: readonly string[];
  /** Called as each image's build starts. */
  onImage?: (tag: string) => void;
  /** One line of build output at a time. */
  onProgress?: (line: string) => void;
  signal?: AbortSignal;
}

export interface BuiltImages {
  base: string;
  /** null when only the base was built. */
  agents: string | null;
  /** null when only the base was built. */
  gateway: string | null;
}

/**
 * Builds the sandbox image and (unless `baseOnly`) the agents and gateway images; returns
 * the tags.
 *
 * @example const { base, agents, gateway } = await buildImages({ caCertFiles: getDefaultCaCertFiles() })
 */
export async function buildImages(options: BuildImagesOptions = {}): Promise<BuiltImages> {
  const docker = options.docker ?? newDockerode();
  const imagesDir = options.imagesDir ?? findImagesDir();
  const common = { docker, imagesDir, onProgress: options.onProgress, signal: options.signal };
  const base = getDefaultImageTag(imagesDir);
  options.onImage?.(base);
  await buildImage({ ...common, tag: base, caCertFiles: options.caCertFiles ?? [] });
  if (options.baseOnly) return { base, agents: null, gateway: null };
  const agents = getAgentImageTag(imagesDir);
  options.onImage?.(agents);
  await buildAgentImage({ ...common, baseImage: base, tag: agents });
  options.onImage?.(getGatewayImageTag(imagesDir));
  const gateway = await buildGatewayImage(common);
  return { base, agents, gateway };
}
