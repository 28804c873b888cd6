/**
 * A detached process in a docker sandbox: an exec started with `Detach`, so nothing of it
 * goes through the engine's connection to Docker and it runs on when that process dies.
 * It runs behind the exec-wrapper prologue under its launch tag, which is how it is
 * signalled later (the Engine API cannot signal an exec), and the exec's id is how any
 * process asks Docker whether it still runs.
 */
import type Dockerode from 'dockerode';
import { CorralError } from '../../lib/errors.js';
import type { DetachedProcess, LaunchSpec, ProcessRef } from '../backend.js';
import { containerWorkdir, toEnvList } from './container-spec.js';
import { runQuietly } from './docker-process.js';
import { isConflict, isNotFound, rethrowEngineError } from './engine-errors.js';
import { signalArgv, wrapArgv } from './exec-wrapper.js';

export async function launchDetached(
  docker: Dockerode,
  containerId: string,
  user: string,
  spec: LaunchSpec,
): Promise<DetachedProcess> {
  const container = docker.getContainer(containerId);
  let exec: Dockerode.Exec;
  try {
    exec = await container.exec({
      Cmd: wrapArgv(spec.argv, spec.tag),
      User: user,
      WorkingDir: containerWorkdir,
      Env: toEnvList(spec.env ?? {}),
      AttachStdin: false,
      AttachStdout: false,
      AttachStderr: false,
      Tty: false,
    });
    // The engine answers a detached start at once; its response must still be consumed,
    // or the connection holds this process open.
    const response = (await exec.start({ Detach: true })) as NodeJS.ReadableStream | undefined;
    if (response && typeof (response as { resume?: unknown }).resume === 'function') {
      response.resume();
      (response as unknown as { destroy?: () => void }).destroy?.();
    }
  } catch (error) {
    if (isNotFound(error) || isConflict(error)) {
      throw new CorralError('INSTANCE_NOT_RUNNING', `The sandbox ${containerId} is not running.`, {
        cause: error,
      });
    }
    return rethrowEngineError(docker, error);
  }
  return reattachDetached(docker, { container: containerId, user, exec: exec.id, tag: spec.tag });
}

export function reattachDetached(docker: Dockerode, ref: ProcessRef): DetachedProcess {
  const container = String(ref.container);
  const user = String(ref.user);
  const tag = String(ref.tag);
  return {
    ref,
    signal: (signal) => runQuietly(docker.getContainer(container), user, signalArgv(tag, signal)),
    async isRunning() {
      try {
        return (await docker.getExec(String(ref.exec)).inspect()).Running;
      } catch (error) {
        if (isNotFound(error)) return false;
        throw error;
      }
    },
  };
}
