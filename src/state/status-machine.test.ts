import { describe, expect, it } from 'vitest';
import { isCorralError } from '../lib/errors.js';
import { endedStatuses, instanceStatuses } from './metadata.js';
import { canMoveTo, checkStatusChange } from './status-machine.js';

describe('the status machine', () => {
  it('runs a created instance, ends a running one, and prepares an ended one again', () => {
    expect(canMoveTo('created', 'running')).toBe(true);
    for (const end of endedStatuses) {
      expect(canMoveTo('running', end)).toBe(true);
      expect(canMoveTo('created', end)).toBe(true);
      expect(canMoveTo(end, 'created')).toBe(true);
    }
  });

  it('lets a lost instance take the end its run came back with, and nothing else ends twice', () => {
    expect(canMoveTo('lost', 'succeeded')).toBe(true);
    expect(canMoveTo('succeeded', 'failed')).toBe(false);
    expect(canMoveTo('canceled', 'lost')).toBe(false);
  });

  it('never runs what was not prepared, nor prepares what runs', () => {
    for (const end of endedStatuses) expect(canMoveTo(end, 'running')).toBe(false);
    expect(canMoveTo('running', 'created')).toBe(false);
  });

  it('always lets a status stay', () => {
    for (const s of instanceStatuses) expect(canMoveTo(s, s)).toBe(true);
  });

  it('refuses a change it does not allow with an INTERNAL error naming both', () => {
    let error: unknown;
    try {
      checkStatusChange('sh-a1b2c', 'succeeded', 'running');
    } catch (e) {
      error = e;
    }
    expect(isCorralError(error) && error.code).toBe('INTERNAL');
    expect(String((error as Error).message)).toBe('sh-a1b2c cannot go from succeeded to running.');
  });
});
