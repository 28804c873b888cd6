/**
 * A Compose project per docker instance: the plan of an instance, the Compose spec it
 * renders to (the fence: an internal network whose one way out is the gateway), the
 * compose.yml written from it, the Compose CLI that runs it, and the project's lifecycle.
 */
export {
  agentService,
  gatewayConfigPath,
  gatewayLogDir,
  gatewayPolicyDir,
  gatewayService,
  internalNetwork,
  outboundNetwork,
  type GatewayPlan,
  type HostMount,
  type InstancePlan,
  type Relaxations,
  type ServiceName,
} from './instance-plan.js';
export type { ComposeNetwork, ComposeService, ComposeSpec, ComposeVolume } from './compose-spec.js';
export { dockerHostAlias, renderComposeSpec } from './render-compose-spec.js';
export {
  composeFileName,
  composeLogName,
  getComposeFilePath,
  getComposeLogPath,
  loadComposeFile,
  parseComposeFile,
  serializeComposeSpec,
  writeComposeFile,
} from './compose-file.js';
export {
  detectComposeCli,
  getComposeEnv,
  type ComposeCli,
  type DetectComposeOptions,
} from './compose-cli.js';
export { detectComposeCliCached } from './compose-cli-cache.js';
export {
  ComposeProject,
  composeProjectLabel,
  sweepComposeProject,
  type ComposeProjectOptions,
} from './compose-project.js';
