/**
 * What a backend can do besides running sandboxes, named so that nothing above the
 * backends asks which backend it is: how a sandbox with a way out reaches its model APIs
 * and the hosts its policy allows (`EgressRoute`), what it does with images when it runs
 * on them (`BackendImages`), and what `corral doctor` should check of it (`HealthCheck`).
 * A backend without images or extra checks leaves those out.
 */
/** A model API a gateway speaks. */
export type ModelApi = 'anthropic' | 'openai' | 'google';

/**
 * How a sandbox with `open` network gets out. `sidecar`: a gateway beside the sandbox
 * holds the real keys and filters by host; the agent's endpoints are the sidecar's, and a
 * sandbox without network has no gateway to tell of a policy change (docker). `host`: a
 * filtering proxy on the host that every sandbox runs behind, network or not; model
 * gateways the supervisor runs on the host hold the keys (local).
 */
export type EgressRoute =
  | {
      kind: 'sidecar';
      /** The base URL the agent uses for `api`, inside the sandbox. */
      modelEndpoint(api: ModelApi): string;
    }
  | { kind: 'host' };

/** What a new instance's image is chosen from. */
export interface ImageRequest {
  repoRoot: string;
  purpose: 'command' | 'agent';
  /** The image asked for (`--image`), if any. */
  requested: string | undefined;
  onProgress?: (line: string) => void;
}

/** One package an approved request adds to an instance's own image. */
export interface ImagePackage {
  manager: 'apt' | 'npm';
  name: string;
}

export interface InstanceImageBuild {
  instanceId: string;
  /** The request the build is for; it names the tag. */
  n: number;
  home: string;
  /** The image the instance runs in now. */
  from: string;
  packages: ImagePackage[];
  /** Where the build's files are written (the state dir's `image/`). */
  dir: string;
  npmRegistry?: string;
  onProgress?: (line: string) => void;
  signal?: AbortSignal;
}

export interface DefaultImagesBuild {
  /** Only the image plain commands need (enough for the demo). */
  baseOnly: boolean;
  /** PEM files the builds and the images trust besides the host's own (when `hostCa`). */
  caCertFiles: readonly string[];
  hostCa: boolean;
  onImage?: (tag: string) => void;
  onProgress?: (line: string) => void;
}

/** Images of a backend whose sandboxes run on them. */
export interface BackendImages {
  /** The image a new instance runs on: the one asked for, the repository's own, or the default. */
  resolve(request: ImageRequest): Promise<string>;
  /** Builds corral's own images (`corral image build`); role → tag, null for one not built. */
  buildDefaults(options: DefaultImagesBuild): Promise<Record<string, string | null>>;
  /** Builds an instance's own image: its current one plus `packages`; returns the tag. */
  buildForInstance(options: InstanceImageBuild): Promise<string>;
  /** Instance id → its image tags, of the images `home` made. */
  listForInstances(home: string): Promise<Map<string, string[]>>;
  /** Removes the images built for one instance. */
  removeForInstance(instanceId: string): Promise<unknown>;
}

/** One line of `corral doctor`. */
export interface HealthCheck {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
}
