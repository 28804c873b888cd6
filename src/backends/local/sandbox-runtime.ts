/**
 * Where `@anthropic-ai/sandbox-runtime` is installed. corral runs its CLI (`srt`) with the
 * node that runs corral, one srt per sandboxed process, because the library keeps its
 * configuration in a module-level singleton and so can fence only one sandbox per host
 * process. Its `vendor/` directory holds `apply-seccomp`, which runs inside the sandbox
 * and so must stay readable through the fence.
 */
import { getApplySeccompBinaryPath } from '@anthropic-ai/sandbox-runtime/dist/sandbox/generate-seccomp-filter.js';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';

export interface SandboxRuntime {
  /** The `srt` entry point, run as `node <cli> --settings FILE -c <command string>`. */
  cli: string;
  vendorDir: string;
  /** The node_modules srt loads its dependencies from (its uid must reach it). */
  modulesDir: string;
  version: string;
  /**
   * How many pid namespaces stand between srt and the command: bubblewrap's,
   * apply-seccomp's when srt has that helper for this machine, and the inner fence's.
   */
  pidNamespaces: number;
}

/** Resolves the installed package; a backend calls it once and keeps the answer. */
export function loadSandboxRuntime(): SandboxRuntime {
  const manifest = createRequire(import.meta.url).resolve(
    '@anthropic-ai/sandbox-runtime/package.json',
  );
  const root = dirname(manifest);
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
  const parts = root.split(sep);
  const modulesDir = parts.slice(0, parts.lastIndexOf('node_modules') + 1).join(sep);
  return {
    cli: join(root, 'dist', 'cli.js'),
    vendorDir: join(root, 'vendor'),
    modulesDir: modulesDir || root,
    version,
    pidNamespaces: getApplySeccompBinaryPath() ? 3 : 2,
  };
}
