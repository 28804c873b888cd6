/**
 * Chooses a backend. An ordered list of strategies, explicit configuration first: the
 * `--backend` flag, then `CORRAL_BACKEND`, then the first of docker and local whose probe
 * answers. When nothing is available the error names what each backend lacks and how to
 * fix it.
 */
import { CorralError } from '../lib/errors.js';
import type { Backend, BackendName, Probe } from './backend.js';

export type BackendChoice = BackendName | 'auto';

export interface BackendRegistry {
  get(name: BackendName): Backend;
  all(): Backend[];
}

export const autoOrder: readonly BackendName[] = ['docker', 'local'];

export async function chooseBackend(
  registry: BackendRegistry,
  requested: BackendChoice,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Backend> {
  const explicit = requested !== 'auto' ? requested : parseEnvChoice(env.CORRAL_BACKEND);
  if (explicit) {
    const backend = registry.get(explicit);
    const probe = await backend.probe();
    if (!probe.available) throw unavailable([[explicit, probe]]);
    return backend;
  }
  const tried: Array<[BackendName, Probe]> = [];
  for (const name of autoOrder) {
    const backend = registry.get(name);
    const probe = await backend.probe();
    if (probe.available) return backend;
    tried.push([name, probe]);
  }
  throw unavailable(tried);
}

function parseEnvChoice(value: string | undefined): BackendName | undefined {
  if (value === 'docker' || value === 'local') return value;
  return undefined;
}

function unavailable(tried: Array<[BackendName, Probe]>): CorralError {
  const what = tried.map(([name, p]) => `${name}: ${p.detail}`).join('; ');
  const fixes = tried.map(([, p]) => p.fix).filter(Boolean);
  return new CorralError('BACKEND_UNAVAILABLE', `No backend is available (${what}).`, {
    hint: fixes.length ? `Fix: ${fixes.join(', or ')}.` : 'Run `corral doctor`.',
  });
}
