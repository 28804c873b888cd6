/**
 * Parsing of the options `run`, `resume` and `demo` share (backend, limits, timeout, a
 * terminal session's `-i`) into orchestrator requests, each bad value refused with a
 * one-line usage error.
 */
import type { Command } from 'commander';
import type { BackendChoice } from '../backends/detect.js';
import { parseBytes, parseDurationMs } from '../lib/duration.js';
import type { Limits } from '../state/index.js';
import { usage } from './output.js';

/** A repeatable option's values in the order given (commander's argument parser). */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export const defaultLimits = { memory: '4g', cpus: '2', pids: '1024' };

export function addSandboxOptions(command: Command): Command {
  return command
    .option(
      '--backend <name>',
      'where the sandbox runs: auto (docker if an engine answers, else local), docker, local',
      'auto',
    )
    .option(
      '--image <image>',
      'docker image for the sandbox (default: the corral sandbox image; build it with `corral image build`)',
    )
    .option(
      '--memory <size>',
      'memory limit of the sandbox (local: where the host allows; see corral doctor)',
      defaultLimits.memory,
    )
    .option(
      '--cpus <n>',
      'CPU limit of the sandbox (local: where the host allows; see corral doctor)',
      defaultLimits.cpus,
    )
    .option(
      '--pids <n>',
      'process count limit of the sandbox (local: where the host allows; see corral doctor)',
      defaultLimits.pids,
    );
}

export interface SandboxOptionValues {
  backend: string;
  image?: string;
  memory: string;
  cpus: string;
  pids: string;
}

export function parseBackend(value: string): BackendChoice {
  if (value === 'auto' || value === 'docker' || value === 'local') return value;
  throw usage(`--backend '${value}' is not a backend.`, 'Use auto, docker or local.');
}

export function parseLimits(o: SandboxOptionValues): Limits {
  const memoryBytes = parseBytes(o.memory);
  if (!memoryBytes || memoryBytes < 16 * 1024 ** 2)
    throw usage(`--memory '${o.memory}' is not a size of at least 16m.`, 'Use e.g. 512m or 4g.');
  const cpus = Number(o.cpus);
  if (!(cpus > 0))
    throw usage(`--cpus '${o.cpus}' is not a positive number.`, 'Use e.g. 1 or 1.5.');
  const pids = Number(o.pids);
  if (!Number.isInteger(pids) || pids < 8)
    throw usage(`--pids '${o.pids}' is not a whole number of at least 8.`);
  return { memoryBytes, cpus, pids };
}

export function parseTimeout(value: string | undefined): number | undefined {
  return value === undefined ? undefined : parseDuration('--timeout', value);
}

/** A duration option's value in ms; a bad one is a usage error naming `flag`. */
export function parseDuration(flag: string, value: string): number {
  const ms = parseDurationMs(value);
  if (!ms) throw usage(`${flag} '${value}' is not a duration.`, 'Use e.g. 90s, 30m or 1h30m.');
  return ms;
}

/**
 * `-i` (with or without `-d`), as `run` and `resume` take it: in the foreground a terminal
 * session is this command's terminal, so stdin must be one; detached, the engine hosts it.
 */
export function checkTerminalSession(o: { interactive?: boolean; detach?: boolean }): void {
  if (o.interactive && !o.detach && !process.stdin.isTTY)
    throw usage(
      '-i needs a terminal, and stdin is not one.',
      'Run it from a terminal, add -d to attach later (corral attach, the dashboard), or drop -i.',
    );
}

/** What a detached terminal session's starter is told: where to attach. */
export function attachHint(id: string): string {
  return `corral: attach with corral attach ${id}, or from corral serve's page`;
}
