/**
 * Which image an agent of a repository runs in. A repository with a devcontainer
 * (.devcontainer/devcontainer.json naming an image or a Dockerfile) gets its own
 * environment with the agent tools layered on top, tagged `corral-agents-dev:<hash>` over
 * the agents context, the pinned versions and the devcontainer image's ID; any other
 * repository gets the default agents image. Whatever is missing is built (the layer cache
 * makes repeated builds cheap); a devcontainer's named image is never pulled.
 *
 * Building a devcontainer's Dockerfile runs what the repository says, with the network, as
 * opening it in a devcontainer would: call this on the developer's source repository,
 * never on a workspace an agent has written to.
 */
import { isAbsolute, relative, sep } from 'node:path';
import type Dockerode from 'dockerode';
import { CorralError } from '../../lib/errors.js';
import { buildAgentImage, getAgentImageTag, getAgentLayerTag } from './agent-image.js';
import { buildImages } from './build-images.js';
import { getDefaultCaCertFiles } from './ca-certs.js';
import {
  devcontainerConfigPath,
  loadDevcontainerConfig,
  type DevcontainerBase,
} from './devcontainer-config.js';
import { runEngineBuild } from './engine-build.js';
import { loadImageId } from './image-id.js';
import { newDockerode } from './load-dockerode.js';
import { findImagesDir, getDefaultImageTag } from './sandbox-image.js';

export const devAgentImageRepository = 'corral-agents-dev';
/** Images built from a devcontainer's Dockerfile, tagged by the start of their ID. */
export const devBaseImageRepository = 'corral-devbase';

export interface ResolveAgentImageOptions {
  /** The source repository, whose .devcontainer/ is looked at. */
  repoRoot: string;
  docker?: Dockerode;
  /** Defaults to findImagesDir(). */
  imagesDir?: string;
  /** What builds trust; defaults to the host's CA bundle (getDefaultCaCertFiles()). */
  caCertFiles?: readonly string[];
  /** Progress and build output, one line at a time. */
  onProgress?: (line: string) => void;
  signal?: AbortSignal;
}

export interface ResolvedAgentImage {
  /** The image to run the agent in. */
  image: string;
  /** What it is layered on: the sandbox image, the devcontainer's image, or what its Dockerfile built. */
  base: string;
  source: 'default' | 'devcontainer';
}

interface Context {
  docker: Dockerode;
  imagesDir: string;
  caCertFiles: readonly string[];
  progress: (line: string) => void;
  signal: AbortSignal | undefined;
}

function devImageMissing(image: string): CorralError {
  return new CorralError(
    'IMAGE_MISSING',
    `The devcontainer image ${image} (${devcontainerConfigPath}) is not in the Docker engine, and corral never pulls images.`,
    { hint: `Build or pull ${image} first (docker pull ${image}), then run again.` },
  );
}

/** The devcontainer's base image, looked up (`image`) or built (`build`): its ID and name. */
async function loadDevBase(
  config: DevcontainerBase & { kind: 'image' | 'build' },
  ctx: Context,
): Promise<{ id: string; name: string }> {
  if (config.kind === 'image') {
    const id = await loadImageId(ctx.docker, config.image);
    if (id === undefined) throw devImageMissing(config.image);
    return { id, name: config.image };
  }
  const dockerfile = relative(config.context, config.dockerfile);
  if (dockerfile === '..' || dockerfile.startsWith(`..${sep}`) || isAbsolute(dockerfile)) {
    throw new CorralError(
      'USAGE',
      `The devcontainer Dockerfile ${config.dockerfile} is outside its build context ${config.context}.`,
      { hint: `Move it into the context, or set build.context in ${devcontainerConfigPath}.` },
    );
  }
  ctx.progress(`building the devcontainer image (${config.dockerfile})`);
  const id = await runEngineBuild({
    docker: ctx.docker,
    context: config.context,
    dockerfile: dockerfile.split(sep).join('/'),
    buildArgs: config.args,
    target: config.target,
    name: `the devcontainer image of ${config.context}`,
    onProgress: ctx.progress,
    signal: ctx.signal,
  });
  const tag = id.replace(/^sha256:/, '').slice(0, 12);
  await ctx.docker.getImage(id).tag({ repo: devBaseImageRepository, tag });
  return { id, name: `${devBaseImageRepository}:${tag}` };
}

async function resolveDefault(ctx: Context): Promise<ResolvedAgentImage> {
  const image = getAgentImageTag(ctx.imagesDir);
  if ((await loadImageId(ctx.docker, image)) === undefined) {
    await buildImages({
      docker: ctx.docker,
      imagesDir: ctx.imagesDir,
      caCertFiles: ctx.caCertFiles,
      onImage: (tag) => ctx.progress(`building ${tag}`),
      onProgress: ctx.progress,
      signal: ctx.signal,
    });
  }
  return { image, base: getDefaultImageTag(ctx.imagesDir), source: 'default' };
}

/**
 * The image an agent working on `repoRoot` runs in, built first when missing.
 *
 * @example const { image } = await resolveAgentImage({ repoRoot: '/src/app', onProgress: (l) => console.error(l) })
 */
export async function resolveAgentImage(
  options: ResolveAgentImageOptions,
): Promise<ResolvedAgentImage> {
  const ctx: Context = {
    docker: options.docker ?? newDockerode(),
    imagesDir: options.imagesDir ?? findImagesDir(),
    caCertFiles: options.caCertFiles ?? getDefaultCaCertFiles(),
    progress: options.onProgress ?? (() => undefined),
    signal: options.signal,
  };
  const config = await loadDevcontainerConfig(options.repoRoot);
  if (config === undefined) return resolveDefault(ctx);
  if (config.kind === 'unsupported') {
    ctx.progress(
      `${devcontainerConfigPath} is not used (${config.reason}); using the default image`,
    );
    return resolveDefault(ctx);
  }
  const base = await loadDevBase(config, ctx);
  // Keyed on the ID, not the name: a rebuilt or re-pulled devcontainer image gets new tools.
  const image = getAgentLayerTag(devAgentImageRepository, ctx.imagesDir, base.id);
  if ((await loadImageId(ctx.docker, image)) === undefined) {
    ctx.progress(`building ${image} (the agent tools on ${base.name})`);
    await buildAgentImage({
      docker: ctx.docker,
      imagesDir: ctx.imagesDir,
      baseImage: base.id,
      tag: image,
      caCertFiles: ctx.caCertFiles,
      onProgress: ctx.progress,
      signal: ctx.signal,
    });
  }
  return { image, base: base.name, source: 'devcontainer' };
}
