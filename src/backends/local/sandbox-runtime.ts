/**
 * Where `@anthropic-ai/sandbox-runtime` is installed. corral runs its CLI (`srt`) with the
 * node that runs corral, one srt per sandboxed process, because the library keeps its
 * configuration in a module-level singleton and so can fence only one sandbox per host
 * process. Its `vendor/` directory holds `apply-seccomp`, which runs inside the sandbox
 * and so must stay readable through the fence.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface SandboxRuntime {
  /** The `srt` entry point, run as `node <cli> --settings FILE -c <command string>`. */
  cli: string;
  vendorDir: string;
  version: string;
}

/** Resolves the installed package; a backend calls it once and keeps the answer. */
export function loadSandboxRuntime(): SandboxRuntime {
  const manifest = createRequire(import.meta.url).resolve(
    '@anthropic-ai/sandbox-runtime/package.json',
  );
  const root = dirname(manifest);
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
  return { cli: join(root, 'dist', 'cli.js'), vendorDir: join(root, 'vendor'), version };
}
