import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { CorralError } from '../lib/errors.js';
import {
  addUnsafeOptions,
  parseMount,
  parseUnsafeOptions,
  type UnsafeOptionValues,
} from './unsafe-options.js';

function parse(args: string[]) {
  const command = addUnsafeOptions(new Command('run').exitOverride());
  command.parse(args, { from: 'user' });
  return parseUnsafeOptions(command.opts<UnsafeOptionValues>());
}

function refusal(args: string[]): CorralError {
  try {
    parse(args);
  } catch (error) {
    if (error instanceof CorralError) return error;
    throw error;
  }
  throw new Error('not refused');
}

describe('--unsafe-… options', () => {
  it('are hardened when none is given', () => {
    expect(parse([])).toEqual({ relax: {}, mounts: [] });
  });

  it('map each flag to its one relaxation', () => {
    expect(parse(['--unsafe-root']).relax).toEqual({ rootUser: true });
    expect(parse(['--unsafe-new-privileges']).relax).toEqual({ newPrivileges: true });
    expect(parse(['--unsafe-writable-root']).relax).toEqual({ writableRoot: true });
    expect(parse(['--unsafe-no-limits']).relax).toEqual({ noLimits: true });
    expect(parse(['--unsafe-docker-socket']).relax).toEqual({ dockerSocket: true });
    expect(parse(['--unsafe-mount', '/srv/a:/a'])).toEqual({
      relax: { hostMounts: true },
      mounts: [{ source: '/srv/a', target: '/a', readOnly: false }],
    });
  });

  it('take capabilities repeated or comma-separated, any case, with or without CAP_', () => {
    expect(
      parse(['--unsafe-cap-add', 'net_raw', '--unsafe-cap-add', 'CAP_SYS_PTRACE,NET_RAW']).relax,
    ).toEqual({ capAdd: ['NET_RAW', 'SYS_PTRACE'] });
  });

  it('refuse an unknown capability, and ALL', () => {
    expect(refusal(['--unsafe-cap-add', 'NET_FOO']).message).toBe(
      "--unsafe-cap-add 'NET_FOO' is not a Linux capability.",
    );
    expect(refusal(['--unsafe-cap-add', 'ALL']).code).toBe('USAGE');
  });

  it('refuse two mounts at one target', () => {
    expect(refusal(['--unsafe-mount', '/a:/x', '--unsafe-mount', '/b:/x:ro']).message).toMatch(
      /two mounts at \/x/,
    );
  });
});

describe('parseMount', () => {
  it('reads host:container[:ro|rw]', () => {
    expect(parseMount('/srv/cache:/cache:ro')).toEqual({
      source: '/srv/cache',
      target: '/cache',
      readOnly: true,
    });
    expect(parseMount('/srv//cache/:/cache:rw').source).toBe('/srv/cache/');
  });

  it.each([
    ['srv/cache:/cache', /host path srv\/cache is not absolute/],
    ['/srv/cache:cache', /container path cache is not absolute/],
    ['/srv/cache', /is not host:container\[:ro\]/],
    ['/srv/cache:/cache:rx', /is not host:container\[:ro\]/],
    ['/a:/b:ro:x', /is not host:container\[:ro\]/],
  ])('refuses %s', (value, message) => {
    expect(() => parseMount(value)).toThrow(message);
  });
});
