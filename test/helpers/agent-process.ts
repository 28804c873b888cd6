/**
 * Runs what an agent adapter's `launch()` asks for as a real subprocess on the host, the
 * way a sandbox would: the adapter's files written under the state dir, its argv and env
 * verbatim (plus HOME, PATH and what the test adds, nothing inherited), stdin closed, and
 * — when the tests run as root — as an unprivileged user, like the sandbox's agent user.
 * Its stdout goes through the adapter's parser, so a test sees the events a user would.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { LineSplitter } from '../../src/events/line-splitter.js';
import type { AgentAdapter, AgentEvent, Launch } from '../../src/agents/agent.js';

/** The user the agent runs as: `nobody` when the tests run as root, else the tests' own. */
export function getAgentUser(): { uid: number; gid: number } | null {
  return process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : null;
}

/** Hands `paths` (recursively) to the agent user, so it can write there. */
export function giveToAgentUser(...paths: string[]): void {
  const user = getAgentUser();
  if (user) execFileSync('chown', ['-R', `${user.uid}:${user.gid}`, ...paths]);
}

export interface AgentRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  events: AgentEvent[];
}

export interface RunLaunchOptions {
  cwd: string;
  /** Where the launch's files go (`<workspace>/.git/corral`). */
  stateDir: string;
  home: string;
  /** Directories put first on PATH (where the agent CLI is). */
  pathDirs: string[];
  /** What the orchestrator would add: credentials, endpoints. */
  env: Record<string, string>;
  timeoutMs?: number;
}

export async function runLaunch(
  adapter: AgentAdapter,
  launch: Launch,
  options: RunLaunchOptions,
): Promise<AgentRun> {
  for (const file of launch.files) {
    const path = join(options.stateDir, file.path);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, file.content);
  }
  giveToAgentUser(options.stateDir, options.home);
  const [command, ...args] = launch.argv;
  if (!command) throw new Error(`${adapter.name}: launch() gave an empty argv`);
  const user = getAgentUser();
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: {
      PATH: [...options.pathDirs, '/usr/local/bin', '/usr/bin', '/bin'].join(':'),
      HOME: options.home,
      LANG: 'C.UTF-8',
      ...launch.env,
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(user ?? {}),
  });
  const parser = adapter.createParser();
  const events: AgentEvent[] = [];
  const lines = new LineSplitter((line) => events.push(...parser.line(line)));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    lines.push(chunk);
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timeoutMs = options.timeoutMs ?? 120_000;
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>(
    (resolve, reject) => {
      child.on('error', reject);
      child.on('close', (c, s) => resolve([c, s]));
    },
  ).finally(() => clearTimeout(timer));
  lines.end();
  events.push(...parser.end());
  return { code, signal, stdout, stderr, events };
}
