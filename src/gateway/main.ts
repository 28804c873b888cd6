#!/usr/bin/env node
/**
 * The gateway sidecar's process: `node dist/gateway/main.js [config.json]`. Reads its
 * config (the file, or `$CORRAL_GATEWAY_CONFIG`), takes the real keys from the environment
 * or stdin, starts the egress proxy, the model gateways and the requests server, prints one JSON line on stdout
 * when ready (`{"ready":true,…}` with the actual ports), re-reads the policy on SIGHUP and
 * stops cleanly on SIGTERM or SIGINT. Warnings and policy changes go to stderr as JSON
 * lines; egress and usage records go to their log files.
 */
import { isCorralError } from '../lib/errors.js';
import { loadGatewayConfig } from './gateway-config.js';
import { loadGatewayKeys, readAll } from './gateway-keys.js';
import { startGateway } from './start-gateway.js';

function logLine(fields: Record<string, unknown>): void {
  process.stderr.write(`${JSON.stringify({ ts: new Date().toISOString(), ...fields })}\n`);
}

async function main(): Promise<void> {
  const config = await loadGatewayConfig(process.argv[2], process.env);
  const keys = await loadGatewayKeys(config, process.env, () => readAll(process.stdin));
  const gateway = await startGateway(config, keys, {
    onPolicy: (policy) =>
      logLine({ level: 'info', msg: 'egress policy in force', allow: policy.allow }),
    onWarning: (message) => logLine({ level: 'warn', msg: message }),
    onRequest: (record) =>
      logLine({ level: 'info', msg: 'request queued', n: record.n, kind: record.kind }),
  });

  process.on('SIGHUP', () => void gateway.reloadPolicy());
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logLine({ level: 'info', msg: `stopping on ${signal}` });
    const force = setTimeout(() => process.exit(1), 5000);
    force.unref();
    gateway.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  process.stdout.write(
    `${JSON.stringify({
      ready: true,
      egress: { url: gateway.egress.url, port: gateway.egress.port },
      models: gateway.models,
      ...(gateway.requests ? { requests: { port: gateway.requests.port } } : {}),
    })}\n`,
  );
}

main().catch((error: unknown) => {
  // Only messages are printed: a config or key error never carries a key's value.
  const message = isCorralError(error) ? error.line : `internal error: ${(error as Error).message}`;
  logLine({ level: 'error', msg: message });
  process.exit(isCorralError(error) ? error.exitCode : 70);
});
