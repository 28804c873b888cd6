/**
 * How the docker backend tells the engine's answers apart and turns them into what a user
 * can act on. dockerode reports HTTP answers as errors carrying `statusCode`, and a missing
 * or refused socket as a Node errno error; the backend needs to know "not found", "already
 * exists" and "the engine is not there", and to say where it looked (the socket path or
 * DOCKER_HOST address) in the one line it prints.
 */
import type Dockerode from 'dockerode';
import { CorralError } from '../../lib/errors.js';

/** The fix we print whenever the engine does not answer (probe, prepare, start). */
export const engineFix = 'Start Docker (sudo dockerd &), or run with --backend local';

function statusCodeOf(error: unknown): number | undefined {
  const code = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

export function isNotFound(error: unknown): boolean {
  return statusCodeOf(error) === 404;
}

export function isConflict(error: unknown): boolean {
  return statusCodeOf(error) === 409;
}

/** True for errors that mean nothing answered at the engine's address. */
export function isEngineDown(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return (
    code === 'ENOENT' ||
    code === 'ECONNREFUSED' ||
    code === 'EACCES' ||
    code === 'ECONNRESET' ||
    code === 'EHOSTUNREACH' ||
    code === 'ETIMEDOUT' ||
    code === 'ENOTFOUND'
  );
}

interface Modem {
  socketPath?: unknown;
  getSocketPath?: () => Promise<string> | undefined;
  host?: string;
  port?: string | number;
  protocol?: string;
}

/** The unix socket dockerode talks to the engine through, or undefined for a TCP engine. */
export async function getEngineSocketPath(docker: Dockerode): Promise<string | undefined> {
  const modem = docker.modem as Modem;
  if (modem.socketPath === undefined) return undefined;
  const path =
    typeof modem.socketPath === 'string' ? modem.socketPath : await modem.getSocketPath?.();
  return path ?? '/var/run/docker.sock';
}

/** Where dockerode talks to the engine: a socket path or a URL from DOCKER_HOST. */
export async function describeEndpoint(docker: Dockerode): Promise<string> {
  const socket = await getEngineSocketPath(docker);
  if (socket !== undefined) return socket;
  const modem = docker.modem as Modem;
  const port = modem.port !== undefined && modem.port !== '' ? `:${modem.port}` : '';
  return `${modem.protocol ?? 'http'}://${modem.host ?? 'localhost'}${port}`;
}

export async function engineUnavailable(docker: Dockerode, cause: unknown): Promise<CorralError> {
  return new CorralError(
    'BACKEND_UNAVAILABLE',
    `Docker is not reachable at ${await describeEndpoint(docker)}.`,
    { hint: `${engineFix}.`, cause },
  );
}

/** Rethrows an engine-down error as BACKEND_UNAVAILABLE; anything else unchanged. */
export async function rethrowEngineError(docker: Dockerode, error: unknown): Promise<never> {
  if (isEngineDown(error)) throw await engineUnavailable(docker, error);
  throw error;
}
