/**
 * `corral approve` and `corral reject`: the person's answer to one request of an agent.
 *
 * Approving a host is the same live policy edit as `corral allow`: the gateway lets the
 * host through from the next connection, nothing restarts. Approving a package builds the
 * instance's own image (its current image plus the package, built by its backend's
 * `images`), switches the instance to it, and resumes it there with its workspace and, for
 * an agent, its conversation: a running instance is stopped gracefully first with its
 * workspace kept; an ended one must still have its workspace. Without the resume
 * (`--no-resume`) a running instance goes on as it is, and the next `corral resume` uses
 * the new image. Everything that can fail (no workspace, no credentials, the build) fails before the answer is
 * written, so a failed approval leaves the request pending. Rejecting only records the
 * answer, with a reason the agent can read.
 */
import { stat } from 'node:fs/promises';
import { getAgent } from '../../agents/index.js';
import { pickCredentials } from '../../agents/host-env.js';
import type { Backend, BackendImages } from '../../backends/backend.js';
import { cleanWhy, parsePackageSpec, type RequestAnswer } from '../../gateway/policy.js';
import { CorralError } from '../../lib/errors.js';
import { isEnded, type Metadata } from '../../state/index.js';
import type { EgressPolicy } from '../../gateway/egress-policy.js';
import type { InstanceStore } from '../instance-store.js';
import { findInstanceRequest, type InstanceRequest } from './instance-requests.js';
import { ensurePending, recordAnswer } from './record-answer.js';
import { getRequestFiles } from './request-files.js';

/**
 * What answering needs of the orchestrator (which passes itself): named here so that this
 * folder does not import the orchestrator that imports it.
 */
export interface AnswerHost {
  readonly store: InstanceStore;
  readonly home: string;
  backend(name: Metadata['backend']): Backend;
  stop(ref: string): Promise<Metadata>;
  prepareResume(
    ref: string,
    command: string[] | undefined,
    options: { interactive: boolean; env: NodeJS.ProcessEnv; prompt?: string },
  ): Promise<Metadata>;
  detach(id: string, env: NodeJS.ProcessEnv): void;
  editPolicy(
    ref: string,
    change: 'allow' | 'deny',
    hosts: string[],
  ): Promise<{ metadata: Metadata; policy: EgressPolicy }>;
}

export interface AnswerOutcome {
  request: InstanceRequest;
  answer: RequestAnswer;
  /** A host approval: the allowlist now. */
  allow?: string[];
  /** A package approval: the image the instance runs on from now on. */
  image?: string;
  /** Whether the instance was resumed on the new image (in the background). */
  resumed: boolean;
  /** Whether it was running and had to be stopped for the new image. */
  restarted: boolean;
}

export interface ApproveOptions {
  /** Resume the instance on its new image (a package); default true. */
  resume?: boolean;
  /** Build output and steps, for people (stderr). */
  onProgress?: (line: string) => void;
  signal?: AbortSignal;
  /** The asking user's environment: the resumed agent's credentials, npm's registry. */
  env?: NodeJS.ProcessEnv;
}

/** What an agent is told when it resumes on an image with the package it asked for. */
export function getPackageResumePrompt(request: InstanceRequest): string {
  return `The package ${request.name} you asked for (request ${request.n}) is now installed: this sandbox was restarted on an image that has it. Your workspace is as you left it. Carry on with your task.`;
}

async function workspacePresent(o: AnswerHost, m: Metadata): Promise<boolean> {
  return stat(o.store.paths(m.id).workspace).then(
    () => !m.workspaceRemoved,
    () => false,
  );
}

/** Everything a package approval needs, checked before anything is built. */
async function checkPackageApproval(
  o: AnswerHost,
  m: Metadata,
  env: NodeJS.ProcessEnv,
): Promise<{ from: string; images: BackendImages }> {
  const images = o.backend(m.backend).images;
  if (!images || m.image === null) {
    throw new CorralError(
      'USAGE',
      `${m.id} runs on the ${m.backend} backend, which runs on no image; packages can be added only to an instance's image (--backend docker).`,
      { hint: `Reject it (corral reject ${m.id} <n> --reason …), or install it on the host.` },
    );
  }
  if (isEnded(m.status) && !(await workspacePresent(o, m))) {
    throw new CorralError(
      'WORKSPACE_GONE',
      `The workspace of ${m.id} was removed when it ended, so it cannot go on with the package.`,
      {
        hint: `Reject the request, or start a new instance from its branch: corral run --from ${m.branch} -- …`,
      },
    );
  }
  // The resumed run needs the agent's credentials from the asking shell, like `corral resume`.
  pickCredentials(getAgent(m.agent), env);
  return { from: m.image, images };
}

async function approvePackage(
  o: AnswerHost,
  m: Metadata,
  request: InstanceRequest,
  options: ApproveOptions,
): Promise<AnswerOutcome> {
  const env = options.env ?? {};
  const { from, images } = await checkPackageApproval(o, m, env);
  const spec = parsePackageSpec(request.name);
  if ('error' in spec) throw new CorralError('INTERNAL', spec.error);
  const progress = options.onProgress ?? (() => undefined);
  const files = getRequestFiles(o.store.paths(m.id));
  progress(`corral: building ${m.id}'s image with ${request.name} (on ${from})`);
  const image = await images.buildForInstance({
    instanceId: m.id,
    n: request.n,
    home: o.home,
    from,
    packages: [spec],
    dir: files.imageDir,
    npmRegistry: env.npm_config_registry || undefined,
    onProgress: (line) => progress(`  ${line}`),
    signal: options.signal,
  });
  const answer = await recordAnswer(files.answers, request, {
    decision: 'approved',
    reason: null,
    image,
  });
  // From now on it runs on the new image, and keeps its workspace to be able to.
  let current = await o.store.update(m.id, { image, keep: true });
  if (options.resume === false) {
    return { request, answer, image, resumed: false, restarted: false };
  }
  const restarted = !isEnded(current.status);
  if (restarted) {
    progress(`corral: stopping ${m.id} (its workspace is kept) to restart it on ${image}`);
    current = await o.stop(m.id);
  }
  const converses = getAgent(current.agent).endpointVars.length > 0;
  await o.prepareResume(m.id, undefined, {
    interactive: false,
    env,
    ...(converses ? { prompt: getPackageResumePrompt(request) } : {}),
  });
  o.detach(m.id, env);
  return { request, answer, image, resumed: true, restarted };
}

/**
 * Approves request `n` of an instance.
 *
 * @example await approveRequest(orchestrator, 'claude-k3x9q', 2, { onProgress: (l) => console.error(l) })
 */
export async function approveRequest(
  o: AnswerHost,
  ref: string,
  n: number,
  options: ApproveOptions = {},
): Promise<AnswerOutcome> {
  const m = await o.store.resolve(ref);
  const files = getRequestFiles(o.store.paths(m.id));
  const request = await findInstanceRequest(m.id, o.store.paths(m.id), n);
  ensurePending(request);
  if (request.kind === 'package') return approvePackage(o, m, request, options);
  const { policy } = await o.editPolicy(m.id, 'allow', [request.name]);
  const answer = await recordAnswer(files.answers, request, {
    decision: 'approved',
    reason: null,
    image: null,
  });
  return { request, answer, allow: policy.allow, resumed: false, restarted: false };
}

/** Rejects request `n` of an instance, with a reason for the agent. */
export async function rejectRequest(
  o: AnswerHost,
  ref: string,
  n: number,
  reason: string | null,
): Promise<AnswerOutcome> {
  const m = await o.store.resolve(ref);
  const request = await findInstanceRequest(m.id, o.store.paths(m.id), n);
  ensurePending(request);
  const answer = await recordAnswer(getRequestFiles(o.store.paths(m.id)).answers, request, {
    decision: 'rejected',
    // The agent reads it: one plain line.
    reason: reason === null ? null : cleanWhy(reason) || null,
    image: null,
  });
  return { request, answer, resumed: false, restarted: false };
}
