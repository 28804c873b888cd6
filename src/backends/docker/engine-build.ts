/**
 * One `docker build` through the Engine API: sends a context directory (dockerode leaves
 * out what its .dockerignore names), streams the output to the caller line by line, and
 * turns a failed build into a CorralError carrying the build's last lines. Never pulls
 * anything but what a FROM names, and corral's FROMs name local images.
 */
import type Dockerode from 'dockerode';
import { CorralError } from '../../lib/errors.js';
import { followBuild } from './build-progress.js';
import { listContextFiles } from './build-context.js';
import { engineUnavailable, isEngineDown } from './engine-errors.js';

export interface EngineBuild {
  docker: Dockerode;
  /** The build context directory. */
  context: string;
  /** Left out, the image is only known by the ID returned. */
  tag?: string;
  /** What errors call the image; defaults to the tag. */
  name?: string;
  /** Relative to the context; defaults to `Dockerfile`. */
  dockerfile?: string;
  buildArgs?: Record<string, string>;
  target?: string;
  /** Labels put on the image (never corral.managed: containers inherit image labels). */
  labels?: Record<string, string>;
  /** One line of build output at a time. */
  onProgress?: (line: string) => void;
  signal?: AbortSignal;
}

function buildFailure(name: string, error: string, tail: readonly string[]): CorralError {
  const tls = /certificate|x509|SSL|TLS/i.test([error, ...tail].join('\n'));
  return new CorralError('IMAGE_MISSING', `Building ${name} failed: ${error}`, {
    hint: tls
      ? 'A TLS certificate was not trusted: pass your CA bundle with `corral image build --ca-cert FILE`.'
      : 'See the build output above.',
    cause: new Error(tail.join('\n')),
  });
}

/**
 * Builds an image and returns its ID (`sha256:…`).
 *
 * @example await runEngineBuild({ docker, context: dir, tag: 'corral-sandbox:3f1c9a0b7d2e' })
 */
export async function runEngineBuild(build: EngineBuild): Promise<string> {
  const { docker, signal, tag } = build;
  const name = build.name ?? tag ?? 'the image';
  signal?.throwIfAborted();
  let stream: NodeJS.ReadableStream;
  try {
    stream = await docker.buildImage(
      { context: build.context, src: await listContextFiles(build.context) },
      {
        ...(tag === undefined ? {} : { t: tag }),
        ...(build.dockerfile === undefined ? {} : { dockerfile: build.dockerfile }),
        ...(build.buildArgs === undefined ? {} : { buildargs: build.buildArgs }),
        ...(build.target === undefined ? {} : { target: build.target }),
        ...(build.labels === undefined ? {} : { labels: build.labels }),
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
  const outcome = await followBuild(stream, build.onProgress ?? (() => undefined)).catch(
    (error: unknown) => {
      signal?.throwIfAborted();
      throw error;
    },
  );
  signal?.throwIfAborted();
  if (outcome.error !== undefined) throw buildFailure(name, outcome.error, outcome.tail);
  if (outcome.imageId !== undefined) return outcome.imageId;
  // Older engines announce no ID; the tag names the same image.
  if (tag !== undefined) return (await docker.getImage(tag).inspect()).Id;
  throw new CorralError('INTERNAL', `Building ${name} ended without an image ID.`);
}
