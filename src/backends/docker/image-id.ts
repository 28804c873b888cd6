/**
 * Looking an image up in the engine without ever pulling it: its ID when it is there,
 * undefined when it is not, and BACKEND_UNAVAILABLE when the engine does not answer.
 */
import type Dockerode from 'dockerode';
import { isNotFound, rethrowEngineError } from './engine-errors.js';

/** The `sha256:…` ID of `image` (a tag or an ID), or undefined when the engine lacks it. */
export async function loadImageId(docker: Dockerode, image: string): Promise<string | undefined> {
  try {
    return (await docker.getImage(image).inspect()).Id;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    return rethrowEngineError(docker, error);
  }
}
