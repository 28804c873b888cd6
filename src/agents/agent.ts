/**
 * The agent seam: *what* runs in a sandbox. An adapter knows how to launch one agent CLI
 * (headless with a prompt, or interactive), which credentials it needs, how to continue a
 * conversation, and how to read its output into corral's events. It knows nothing of
 * where it runs: paths it gets are as the sandbox sees them. One folder per agent
 * (`claude-code/`, `codex/`, `gemini/`, `shell/`, `fake/`), all passing the shared suite in
 * `agent.contract.ts`.
 */
import type { CorralEvent } from '../events/index.js';
import type { Line } from '../events/line-splitter.js';

export const agentNames = ['claude', 'codex', 'gemini', 'shell', 'fake'] as const;
export type AgentName = (typeof agentNames)[number];

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** An event as an adapter produces it: the orchestrator adds version, time and instance id. */
export type AgentEvent = DistributiveOmit<
  Extract<CorralEvent, { type: `agent.${string}` } | { type: 'raw' }>,
  'v' | 'ts' | 'id'
>;

export interface LaunchRequest {
  /** The task, for a headless run; null for an interactive session. */
  prompt: string | null;
  interactive: boolean;
  /** The shell agent's command; extra CLI arguments for the others. */
  args: string[];
  /** A conversation to continue (from an earlier `agent.session` event), or null. */
  sessionId: string | null;
  /** Role and context text (`--context` files, concatenated), or null. */
  context: string | null;
  /** Inside the sandbox: the workspace. */
  workdir: string;
  /** Inside the sandbox: a writable directory that is never committed (`<workdir>/.git/corral`). */
  stateDir: string;
  /**
   * The model-API endpoints the agent gets (its `endpointVars`, as the sandbox sees them),
   * for a CLI that reads its address from a config file rather than the environment.
   */
  endpoints?: Readonly<Record<string, string>>;
  /**
   * The model the agent is pinned to (`--model`): the CLI is told to use it for every call
   * it can be told about, side requests included; absent or null: the CLI's own choice.
   */
  model?: string | null;
}

export interface Launch {
  argv: string[];
  /** Environment for the agent process (credentials are added by the orchestrator). */
  env: Record<string, string>;
  /** Files to write before the launch, paths relative to `stateDir`. */
  files: Array<{ path: string; content: string }>;
}

export interface OutputParser {
  /** One line of the agent's stdout → zero or more events. Never throws: unknown input becomes `raw`. */
  line(line: Line): AgentEvent[];
  /** The output ended. */
  end(): AgentEvent[];
}

export interface AgentAdapter {
  readonly name: AgentName;
  /** The CLI that must be in the sandbox image (null: the shell agent runs any command). */
  readonly binary: string | null;
  /** Alternatives: the first set whose host variables are all set is passed; none set is an error. Empty: needs none. */
  readonly credentials: readonly (readonly string[])[];
  /** Host variables naming model API endpoints; passed in, with loopback rewritten. */
  readonly endpointVars: readonly string[];
  /** Whether the agent needs to reach a model API (its sandbox gets network until the gateway exists). */
  readonly needsNetwork: boolean;
  /** The model API's hosts when no endpoint variable overrides them (allowed by filtering backends). */
  readonly apiHosts?: readonly string[];
  launch(request: LaunchRequest): Launch;
  createParser(): OutputParser;
}
