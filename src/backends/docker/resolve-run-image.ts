/**
 * Which image a run of a repository uses. `--image` wins (a bare corral name, such as
 * `corral-agents`, meaning its current build). Otherwise a repository with a devcontainer
 * (.devcontainer/devcontainer.json naming an image or a Dockerfile) runs in its own
 * environment with corral's tools added (`corral-dev:<hash>`, dev-image.ts), and an agent
 * in that with the agent CLIs on top (`corral-agents-dev:<hash>`); any other repository
 * runs commands in the default sandbox image and agents in the default agents image.
 * Whatever a run needs is built when missing, the default sandbox image for a command's
 * first run too (the layer cache makes repeated builds cheap); a devcontainer's named image
 * is never pulled.
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
import { resolveCorralImageName } from './corral-image-name.js';
import { buildDevImage, getDevImageTag } from './dev-image.js';
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

export interface ResolveRunImageOptions {
  /** The source repository, whose .devcontainer/ is looked at. */
  repoRoot: string;
  /** What runs: a command (the shell agent, the fake one) or an agent CLI, which needs its tools. */
  purpose: 'command' | 'agent';
  /** The image asked for (`--image`), if any. */
  requested?: string;
  docker?: Dockerode;
  /** Defaults to findImagesDir(). */
  imagesDir?: string;
  /** What builds trust; defaults to the host's CA bundle (getDefaultCaCertFiles()). */
  caCertFiles?: readonly string[];
  /** Progress and build output, one line at a time. */
  onProgress?: (line: string) => void;
  signal?: AbortSignal;
}

export interface ResolvedRunImage {
  /** The image to run in. */
  image: string;
  /** What it is built on: the sandbox image, the devcontainer's image, or what its Dockerfile built. */
  base: string;
  source: 'given' | 'default' | 'devcontainer';
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

/** Builds corral's images (sandbox, agents, gateway; or the sandbox alone) unless `image` is there. */
async function ensureBuilt(ctx: Context, image: string, baseOnly: boolean): Promise<void> {
  if ((await loadImageId(ctx.docker, image)) !== undefined) return;
  await buildImages({
    docker: ctx.docker,
    imagesDir: ctx.imagesDir,
    baseOnly,
    caCertFiles: ctx.caCertFiles,
    onImage: (tag) => ctx.progress(`building ${tag}`),
    onProgress: ctx.progress,
    signal: ctx.signal,
  });
}

/** corral's tools on the devcontainer's image, built when missing. */
async function resolveDev(
  config: DevcontainerBase & { kind: 'image' | 'build' },
  ctx: Context,
): Promise<{ image: string; base: string }> {
  const base = await loadDevBase(config, ctx);
  // Keyed on the ID, not the name: a rebuilt or re-pulled devcontainer image gets new tools.
  const image = getDevImageTag(ctx.imagesDir, base.id);
  if ((await loadImageId(ctx.docker, image)) === undefined) {
    await ensureBuilt(ctx, getDefaultImageTag(ctx.imagesDir), true);
    ctx.progress(`building ${image} (corral's tools on ${base.name})`);
    await buildDevImage({
      docker: ctx.docker,
      imagesDir: ctx.imagesDir,
      baseImage: base.id,
      tag: image,
      caCertFiles: ctx.caCertFiles,
      onProgress: ctx.progress,
      signal: ctx.signal,
    });
  }
  return { image, base: base.name };
}

/**
 * The image a run on `repoRoot` uses, built first when a devcontainer or an agent needs it.
 *
 * @example const { image } = await resolveRunImage({ repoRoot: '/src/app', purpose: 'command' })
 */
export async function resolveRunImage(options: ResolveRunImageOptions): Promise<ResolvedRunImage> {
  const ctx: Context = {
    docker: options.docker ?? newDockerode(),
    imagesDir: options.imagesDir ?? findImagesDir(),
    caCertFiles: options.caCertFiles ?? getDefaultCaCertFiles(),
    progress: options.onProgress ?? (() => undefined),
    signal: options.signal,
  };
  if (options.requested !== undefined) {
    const image = resolveCorralImageName(options.requested, ctx.imagesDir);
    return { image, base: image, source: 'given' };
  }
  const sandbox = getDefaultImageTag(ctx.imagesDir);
  let config = await loadDevcontainerConfig(options.repoRoot);
  if (config?.kind === 'unsupported') {
    ctx.progress(
      `${devcontainerConfigPath} is not used (${config.reason}); using the default image`,
    );
    config = undefined;
  }
  if (config === undefined) {
    if (options.purpose === 'command') {
      await ensureBuilt(ctx, sandbox, true);
      return { image: sandbox, base: sandbox, source: 'default' };
    }
    const image = getAgentImageTag(ctx.imagesDir);
    await ensureBuilt(ctx, image, false);
    return { image, base: sandbox, source: 'default' };
  }
  const dev = await resolveDev(config, ctx);
  if (options.purpose === 'command') return { ...dev, source: 'devcontainer' };
  const image = getAgentLayerTag(devAgentImageRepository, ctx.imagesDir, dev.image);
  if ((await loadImageId(ctx.docker, image)) === undefined) {
    ctx.progress(`building ${image} (the agent CLIs on ${dev.image})`);
    await buildAgentImage({
      docker: ctx.docker,
      imagesDir: ctx.imagesDir,
      baseImage: dev.image,
      tag: image,
      onProgress: ctx.progress,
      signal: ctx.signal,
    });
  }
  return { image, base: dev.base, source: 'devcontainer' };
}
