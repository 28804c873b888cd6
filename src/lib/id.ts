/**
 * Instance ids: `<agent>-<5 random base36 characters>`, unique per launch, so two launches
 * never collide (the caller also checks the state dir does not exist yet).
 */
import { randomInt } from 'node:crypto';

const alphabet = '0123456789abcdefghijklmnopqrstuvwxyz';

export function newInstanceId(agent: string): string {
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += alphabet[randomInt(alphabet.length)];
  return `${agent}-${suffix}`;
}

/** Ids and names end up in paths, branch names and container labels: keep them tame. */
export function isValidInstanceId(id: string): boolean {
  return /^[a-z0-9][a-z0-9-]{0,62}$/.test(id);
}
