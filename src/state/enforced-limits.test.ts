import { describe, expect, it } from 'vitest';
import { describeEnforcedLimits, isFullyEnforced } from './enforced-limits.js';

describe('describeEnforcedLimits', () => {
  it('groups the limits by what enforces them and names those nothing does', () => {
    const all = { memory: 'cgroup v1', cpus: 'cgroup v1', pids: 'cgroup v1' };
    expect(describeEnforcedLimits(all)).toBe('memory, cpus and pids by cgroup v1');
    expect(isFullyEnforced(all)).toBe(true);
    const some = { memory: null, cpus: null, pids: 'RLIMIT_NPROC' };
    expect(describeEnforcedLimits(some)).toBe('pids by RLIMIT_NPROC; memory and cpus not enforced');
    expect(isFullyEnforced(some)).toBe(false);
    expect(describeEnforcedLimits({ memory: null, cpus: null, pids: null })).toBe(
      'memory, cpus and pids not enforced',
    );
  });
});
