/**
 * Sandboxes started beside their instance's checkout: docker's container start (~0.4 s)
 * runs while git writes the workspace instead of after it (`StartOptions.workspaceReady`).
 * Only a sandbox whose spec is known before the checkout is started so (one without
 * network: no gateway, no keys); the run that starts the instance claims it when the spec
 * it derives is the very one it was started with, else it is ended and the run starts its
 * own. One nobody claims (the instance was made but its run never asked for) is ended
 * after a minute; a run that fails to start early costs nothing but the attempt: the run
 * then starts its sandbox itself and meets the error there.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Backend, Sandbox, SandboxSpec } from '../backends/backend.js';

interface EarlySandbox {
  spec: SandboxSpec;
  /** The started sandbox, or undefined when the early start failed. */
  sandbox: Promise<Sandbox | undefined>;
  timer: NodeJS.Timeout;
}

export class EarlySandboxes {
  readonly #waiting = new Map<string, EarlySandbox>();

  constructor(private readonly unclaimedMs = 60_000) {}

  /** Starts the sandbox of `spec` now; its workspace is complete once `workspaceReady` is. */
  begin(backend: Backend, spec: SandboxSpec, workspaceReady: Promise<unknown>): void {
    void this.discard(spec.instanceId);
    const sandbox = backend.start(spec, { workspaceReady }).catch(() => undefined);
    const timer = setTimeout(() => void this.discard(spec.instanceId), this.unclaimedMs);
    timer.unref();
    this.#waiting.set(spec.instanceId, { spec, sandbox, timer });
  }

  /** The sandbox started early for this spec's instance, if it was started with this spec. */
  async claim(spec: SandboxSpec): Promise<Sandbox | undefined> {
    const early = this.#take(spec.instanceId);
    if (!early) return undefined;
    const sandbox = await early.sandbox;
    if (sandbox && isDeepStrictEqual(early.spec, spec)) return sandbox;
    await sandbox?.stop().catch(() => undefined);
    return undefined;
  }

  /** Ends the sandbox started early for instance `id`, if any (its making failed). */
  async discard(id: string): Promise<void> {
    const sandbox = await this.#take(id)?.sandbox;
    await sandbox?.stop().catch(() => undefined);
  }

  #take(id: string): EarlySandbox | undefined {
    const early = this.#waiting.get(id);
    if (!early) return undefined;
    clearTimeout(early.timer);
    this.#waiting.delete(id);
    return early;
  }
}
