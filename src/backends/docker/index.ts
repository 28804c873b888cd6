/**
 * The docker backend: one container per instance, the default sandbox image, the agents
 * image layered on it, the gateway sidecar's image, corral's tools on a repository's
 * devcontainer (and the agents on that), and an instance's own image with the packages
 * approved for it.
 */
export { DockerBackend, type DockerBackendOptions } from './docker-backend.js';
export {
  buildImage,
  findImagesDir,
  getDefaultImageTag,
  getSandboxContextDir,
  sandboxImageRepository,
  type BuildImageOptions,
} from './sandbox-image.js';
export {
  agentImageRepository,
  buildAgentImage,
  getAgentImageTag,
  type BuildAgentImageOptions,
} from './agent-image.js';
export { getAgentVersionsPath, loadAgentVersions, type AgentVersions } from './agent-versions.js';
export { resolveCorralImageName } from './corral-image-name.js';
export { devImageRepository, getDevImageTag } from './dev-image.js';
export {
  buildGatewayImage,
  gatewayImageRepository,
  getGatewayImageTag,
  type BuildGatewayImageOptions,
} from './gateway-image.js';
export { buildImages, type BuildImagesOptions, type BuiltImages } from './build-images.js';
export {
  devAgentImageRepository,
  resolveRunImage,
  type ResolveRunImageOptions,
  type ResolvedRunImage,
} from './resolve-run-image.js';
export {
  devcontainerConfigPath,
  loadDevcontainerConfig,
  parseDevcontainerConfig,
  type DevcontainerBase,
} from './devcontainer-config.js';
export { getDefaultCaCertFiles, hostCaBundlePath } from './ca-certs.js';
export {
  buildInstanceImage,
  getInstanceImageTag,
  listInstanceImages,
  removeInstanceImages,
  renderInstanceDockerfile,
  type InstancePackage,
} from './instance-image.js';
export { containerWorkdir } from './container-spec.js';
export {
  fenceModelPorts,
  fenceProxyPort,
  fenceRequestsPort,
  gatewayConfigName,
  getFenceEndpoint,
  FencedSandbox,
} from './fenced-start.js';
