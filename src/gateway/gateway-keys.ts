/**
 * Gets the real model-API keys into the gateway's memory and nowhere else: from named
 * environment variables (which are then deleted from `process.env`, so nothing the process
 * starts or prints inherits them) or from a JSON object on stdin. Errors name the variable,
 * never a value.
 */
import { CorralError } from '../lib/errors.js';
import type { GatewayConfig } from './gateway-config.js';

/** Reads all of a stream as text (stdin, for `keysFrom: "stdin"`). */
export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(parts).toString('utf8');
}

/**
 * The key for each configured route, by variable name.
 *
 * @example
 *   const keys = await loadGatewayKeys(config, process.env, () => readAll(process.stdin));
 */
export async function loadGatewayKeys(
  config: GatewayConfig,
  env: NodeJS.ProcessEnv,
  readStdin: () => Promise<string>,
): Promise<Map<string, string>> {
  let source: Record<string, unknown> = env;
  if (config.keysFrom === 'stdin') {
    try {
      const value: unknown = JSON.parse(await readStdin());
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error();
      source = value as Record<string, unknown>;
    } catch {
      throw new CorralError('USAGE', 'The gateway expected a JSON object of keys on stdin.', {
        hint: 'Send {"ANTHROPIC_API_KEY": "…"} and close stdin.',
      });
    }
  }
  const keys = new Map<string, string>();
  for (const route of config.models) {
    const value = source[route.keyEnv];
    if (typeof value !== 'string' || value.trim() === '') {
      throw new CorralError(
        'MISSING_CREDENTIAL',
        `The gateway has no key for ${route.api}: ${route.keyEnv} is not set${config.keysFrom === 'stdin' ? ' in the stdin JSON' : ''}.`,
      );
    }
    keys.set(route.keyEnv, value.trim());
  }
  for (const route of config.models) delete env[route.keyEnv];
  return keys;
}
