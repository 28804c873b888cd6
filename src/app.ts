/**
 * The composition root: builds the backends and the orchestrator once per command. No
 * module holds mutable state; everything a command needs comes from here.
 */
import type { Backend, BackendName } from './backends/backend.js';
import type { BackendRegistry } from './backends/detect.js';
import { DockerBackend } from './backends/docker/index.js';
import { LocalBackend } from './backends/local/index.js';
import { Orchestrator, type RunControl } from './orchestrator/index.js';
import { getCorralHome } from './state/index.js';
import { getIndexPath, IndexHandle } from './store/index.js';

export interface App {
  home: string;
  orchestrator: Orchestrator;
  backends: Record<BackendName, Backend>;
  /** The index (a cache of the state dirs; its event journal orders every instance's events). */
  index: IndexHandle;
  /** Where lines for people go (in the engine: to whoever asked, lib/notes.ts). */
  log: (line: string) => void;
  /** Closes what the app opened (the index, if it was used). */
  close(): void;
}

export function createApp(
  options: {
    log?: (line: string) => void;
    /** The engine's background runs (absent: nothing can run in the background). */
    runs?: RunControl;
  } = {},
): App {
  const home = getCorralHome();
  // CORRAL_DOCKER_NETWORK: the engine network fenced instances' gateways use as their way
  // out (e.g. one where a model server runs as a container); default corral-outbound.
  const docker = new DockerBackend({
    outboundNetwork: process.env.CORRAL_DOCKER_NETWORK || undefined,
    home,
  });
  const local = new LocalBackend({ home });
  const backends: Record<BackendName, Backend> = { docker, local };
  const registry: BackendRegistry = {
    get: (name) => backends[name],
    all: () => Object.values(backends),
  };
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  // The index is a cache of the state dirs: every record written or removed goes to it too.
  const index = new IndexHandle(getIndexPath(home));
  const orchestrator = new Orchestrator({
    home,
    backends: registry,
    ...(options.runs ? { runs: options.runs } : {}),
    log,
    index,
    storeHooks: {
      onSaved: (metadata, stamp) => index.get().upsert(metadata, stamp),
      onRemoved: (id) => index.get().remove(id),
      log,
    },
  });
  return { home, orchestrator, backends, index, log, close: () => index.close() };
}
