/**
 * The docker backend: one container per instance, the default sandbox image, the agents
 * image layered on it, the gateway sidecar's image, the per-repository image of a
 * devcontainer, and an instance's own image with the packages approved for it.
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
  getAgentVersionsPath,
  loadAgentVersions,
  type AgentVersions,
  type BuildAgentImageOptions,
} from './agent-image.js';
export {
  buildGatewayImage,
  gatewayImageRepository,
  getGatewayImageTag,
  type BuildGatewayImageOptions,
} from './gateway-image.js';
export { buildImages, type BuildImagesOptions, type BuiltImages } from './build-images.js';
export {
  devAgentImageRepository,
  resolveAgentImage,
  type ResolveAgentImageOptions,
  type ResolvedAgentImage,
} from './resolve-agent-image.js';
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
