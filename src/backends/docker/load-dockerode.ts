/**
 * Loads dockerode on first use rather than at start-up: it pulls in ssh2, protobufjs and
 * gRPC (≈120 ms here), which commands that never talk to an engine (`ls`, `logs`,
 * `--backend local`) should not pay for.
 */
import { createRequire } from 'node:module';
import type Dockerode from 'dockerode';

let ctor: typeof Dockerode | undefined;

export function newDockerode(options?: Dockerode.DockerOptions): Dockerode {
  ctor ??= createRequire(import.meta.url)('dockerode') as typeof Dockerode;
  return new ctor(options);
}
