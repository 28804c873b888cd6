/** The docker backend: one container per instance, and the default sandbox image. */
export { DockerBackend, type DockerBackendOptions } from './docker-backend.js';
export {
  buildImage,
  findImagesDir,
  getDefaultImageTag,
  getSandboxContextDir,
  sandboxImageRepository,
  type BuildImageOptions,
} from './sandbox-image.js';
export { hostCaBundlePath } from './ca-certs.js';
export { containerWorkdir } from './container-spec.js';
