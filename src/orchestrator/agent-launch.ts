/**
 * Turns an instance record into the process an agent adapter asks for, inside a started
 * sandbox: checks the agent's CLI is in the image, writes the files the adapter wants
 * (config, context) under `<workspace>/.git/corral` from inside the sandbox (never from the
 * host into a workspace an agent may have touched), and assembles the environment: the
 * adapter's own, its model-API endpoints (loopback rewritten for the sandbox), and the
 * credentials it declares — nothing else from the host. A fenced sandbox (docker, with a
 * way out) gets the gateway's endpoints and placeholder credentials instead
 * (fence-launch.ts); so does a local one, whose gateways run in a process of their own on
 * the host (host-gateway-process.ts).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AgentAdapter, Launch } from '../agents/index.js';
import { pickCredentials, pickEndpoints } from '../agents/host-env.js';
import type { Backend, Sandbox, SandboxFence } from '../backends/backend.js';
import { CorralError } from '../lib/errors.js';
import type { InstancePaths, Metadata, SupervisorRef } from '../state/index.js';
import {
  canKeepKeyOut,
  getPlaceholderCredentials,
  planFence,
  planModelRoutes,
  wantsFence,
  type ModelRoute,
} from './fence-launch.js';
import { startHostGatewayProcess, stopHostGatewayProcess } from './host-gateway-process.js';
import { loadModelUsage } from './model-usage.js';
import { loadPriceTable } from './price-table.js';
import { isOpenModelPolicy } from './model-policy-check.js';

/**
 * What an agent gets from the host, decided once per run: its endpoints and credential
 * variables (the gateway's and a placeholder when fenced), the real values to redact, and
 * the fence for the backend.
 */
export interface AgentAccess {
  endpoints: Record<string, string>;
  credentials: Record<string, string>;
  secrets: string[];
  fence?: SandboxFence;
  /**
   * Local: model APIs whose gateways run on the host, holding `key`; the endpoints are
   * theirs once started (host-gateway-process.ts).
   */
  hostGateway?: { routes: ModelRoute[]; key: string };
}

export function planAgentAccess(
  adapter: AgentAdapter,
  metadata: Metadata,
  paths: InstancePaths,
  backend: Backend,
  env: NodeJS.ProcessEnv,
): AgentAccess {
  if (wantsFence(metadata, backend)) {
    const f = planFence(adapter, paths, env, backend);
    return {
      endpoints: f.endpoints,
      credentials: f.credentials,
      secrets: f.secrets,
      fence: { ...f.fence, keep: metadata.keep },
    };
  }
  if (backend.egress.kind === 'host' && metadata.network === 'open' && canKeepKeyOut(adapter)) {
    const { routes, real } = planModelRoutes(adapter, env, null);
    const key = Object.values(real)[0];
    if (key !== undefined && routes.length > 0) {
      return {
        endpoints: {},
        credentials: getPlaceholderCredentials(real),
        secrets: Object.values(real),
        hostGateway: { routes, key },
      };
    }
  }
  const credentials = pickCredentials(adapter, env);
  return {
    endpoints: pickEndpoints(adapter, env, metadata.network === 'open' ? backend.hostAlias : null),
    credentials,
    secrets: Object.values(credentials),
  };
}

export interface OpenedAgentAccess {
  access: AgentAccess;
  /** The host's model gateway process serving the access, to record with the run. */
  gateway?: SupervisorRef;
  /** Stops what serves the access (the local backend's host-side model gateways). */
  close(): Promise<void>;
}

/**
 * planAgentAccess, with what it needs to work: the prices the gateways meter cost with,
 * the instance's model policy and what its earlier runs spent (so its budget holds over
 * resumes), and, on the local backend, the model gateways this process runs on the host
 * (their endpoints become the agent's). An instance with a model policy and no gateway to
 * hold it to is refused rather than run without it.
 */
export async function openAgentAccess(
  adapter: AgentAdapter,
  metadata: Metadata,
  paths: InstancePaths,
  backend: Backend,
  options: { env: NodeJS.ProcessEnv; home: string },
): Promise<OpenedAgentAccess> {
  let access = planAgentAccess(adapter, metadata, paths, backend, options.env);
  const policy = metadata.modelPolicy;
  const gated = (access.fence?.models.length ?? 0) > 0 || access.hostGateway !== undefined;
  if (!gated && !isOpenModelPolicy(policy)) {
    throw new CorralError(
      'USAGE',
      `${metadata.id} has model limits (--model, --allow-model-api, --budget-…), but no model gateway runs for it here to enforce them.`,
      {
        hint: 'They apply to an agent with a model API (claude, codex, gemini) and its credential.',
      },
    );
  }
  const prices = await loadPriceTable(options.home);
  const { spent } = await loadModelUsage(paths.usageLog);
  if (access.fence) {
    access = {
      ...access,
      fence: { ...access.fence, ...(prices ? { prices } : {}), modelPolicy: policy, spent },
    };
  }
  if (!access.hostGateway) return { access, close: () => Promise.resolve() };
  const gateway = await startHostGatewayProcess({
    ...access.hostGateway,
    paths,
    policy,
    spent,
    ...(prices ? { prices } : {}),
  });
  return {
    access: { ...access, endpoints: gateway.endpoints },
    gateway: gateway.ref,
    close: () => stopHostGatewayProcess(gateway.ref),
  };
}

export interface PreparedLaunch {
  launch: Launch;
  env: Record<string, string>;
}

export async function prepareLaunch(
  adapter: AgentAdapter,
  metadata: Metadata,
  paths: InstancePaths,
  sandbox: Sandbox,
  access: AgentAccess,
): Promise<PreparedLaunch> {
  if (adapter.binary && adapter.binary !== 'sh')
    await ensureBinary(sandbox, adapter, metadata.image);
  const stateDir = join(sandbox.workdir, '.git', 'corral');
  const context = await readFile(paths.context, 'utf8').catch(() => null);
  const { endpoints, credentials } = access;
  const launch = adapter.launch({
    endpoints,
    prompt: metadata.prompt,
    interactive: metadata.interactive,
    args: metadata.command,
    sessionId: metadata.agentSessionId,
    context,
    workdir: sandbox.workdir,
    stateDir,
    model: metadata.modelPolicy.model,
  });
  await writeFiles(sandbox, stateDir, launch.files);
  return { launch, env: { ...launch.env, ...endpoints, ...credentials } };
}

async function ensureBinary(
  sandbox: Sandbox,
  adapter: AgentAdapter,
  image: string | null,
): Promise<void> {
  const r = await sandbox.exec(['sh', '-c', 'command -v "$1"', 'sh', adapter.binary ?? '']);
  if (r.exitCode === 0) return;
  const where = image ? `The image ${image}` : 'This machine';
  throw new CorralError(
    'AGENT_CLI_MISSING',
    `${where} has no \`${adapter.binary}\` for the ${adapter.name} agent.`,
    {
      hint: image
        ? 'Run `corral image build` (the default agent image carries it), or pass --image with one that has it.'
        : `Install it, or run with --backend docker.`,
    },
  );
}

/** Writes files from inside the sandbox; contents travel in the environment, not the argv. */
async function writeFiles(
  sandbox: Sandbox,
  stateDir: string,
  files: Launch['files'],
): Promise<void> {
  for (const file of files) {
    const path = join(stateDir, file.path);
    const r = await sandbox.exec(
      ['sh', '-c', 'mkdir -p "$(dirname "$1")" && printf %s "$CORRAL_FILE" > "$1"', 'sh', path],
      {
        env: { CORRAL_FILE: file.content },
      },
    );
    if (r.exitCode !== 0) {
      throw new CorralError(
        'IO_ERROR',
        `Could not write ${path} in the sandbox: ${r.stderr.trim()}`,
      );
    }
  }
}
