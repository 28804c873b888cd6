/**
 * Who may talk to the gateway: in a fenced instance, the agent container alone. The
 * gateway's servers listen on every interface of its container, and so are reachable on
 * its outbound network too, where other containers may sit (a shared
 * `CORRAL_DOCKER_NETWORK`); without this guard one of them could spend the instance's key
 * through the model port, or its allowlist through the proxy. The allowed names (the
 * agent's service name) are resolved once before the gateway says it is ready, which is
 * after Compose started the agent; a connection from any other address is closed before a
 * byte of it is read.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import type { Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

export type LookupAll = (name: string) => Promise<string[]>;

const systemLookup: LookupAll = async (name) =>
  (await dnsLookup(name, { all: true })).map((a) => a.address);

/** `::ffff:172.20.0.3` and `172.20.0.3` are one client. */
function normalize(address: string | undefined): string {
  return (address ?? '').replace(/^::ffff:/i, '');
}

export interface ClientGuard {
  /** Resolves every allowed name, retrying until `timeoutMs`; throws when one never resolves. */
  ready(timeoutMs?: number): Promise<void>;
  /** For a server's 'connection' event: closes a socket from anyone else. */
  check(socket: Socket): void;
}

export function createClientGuard(
  names: readonly string[],
  options: { lookup?: LookupAll; onRefused?: (address: string) => void } = {},
): ClientGuard {
  const lookup = options.lookup ?? systemLookup;
  const allowed = new Set<string>();
  return {
    async ready(timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (const name of names) {
        for (;;) {
          const found = await lookup(name).catch(() => []);
          if (found.length > 0) {
            for (const address of found) allowed.add(normalize(address));
            break;
          }
          if (Date.now() > deadline) throw new Error(`the client ${name} never resolved`);
          await delay(100);
        }
      }
    },
    check(socket) {
      const address = normalize(socket.remoteAddress);
      if (allowed.has(address)) return;
      options.onRefused?.(address);
      socket.destroy();
    },
  };
}
