/**
 * The docker backend's images as the capability the orchestrator and the CLI use
 * (capabilities.ts): which image a new instance runs on (resolve-run-image.ts), building
 * corral's own images (build-images.ts) and an instance's own one with the packages
 * approved for it (instance-image.ts), and finding and removing those for `corral gc`.
 */
import type Dockerode from 'dockerode';
import type { BackendImages } from '../capabilities.js';
import { buildImages } from './build-images.js';
import { getDefaultCaCertFiles } from './ca-certs.js';
import { buildInstanceImage, listInstanceImages, removeInstanceImages } from './instance-image.js';
import { resolveRunImage } from './resolve-run-image.js';

/** `engine` is asked for the client at each use, so a bad DOCKER_HOST fails only docker work. */
export function getDockerImages(engine: {
  readonly docker: Dockerode;
  prepareEngine(): Promise<void>;
}): BackendImages {
  return {
    resolve: async (request) =>
      (
        await resolveRunImage({
          repoRoot: request.repoRoot,
          purpose: request.purpose,
          requested: request.requested,
          docker: engine.docker,
          onProgress: request.onProgress,
        })
      ).image,
    buildDefaults: async (options) => {
      await engine.prepareEngine();
      const built = await buildImages({
        docker: engine.docker,
        baseOnly: options.baseOnly,
        caCertFiles: [...(options.hostCa ? getDefaultCaCertFiles() : []), ...options.caCertFiles],
        onImage: options.onImage,
        onProgress: options.onProgress,
      });
      return { ...built };
    },
    buildForInstance: (options) =>
      buildInstanceImage({
        ...options,
        docker: engine.docker,
        caCertFiles: getDefaultCaCertFiles(),
      }),
    listForInstances: (home) => listInstanceImages(home, engine.docker),
    removeForInstance: (instanceId) => removeInstanceImages(instanceId, engine.docker),
  };
}
