import { describe, expect, it } from 'vitest';
import { readDefaultGateway, readHostAliases, refusedAddress } from './address-guard.js';

describe('refusedAddress', () => {
  it('refuses loopback, unspecified, link-local and metadata addresses in both families', () => {
    const none = new Set<string>();
    expect(refusedAddress('127.0.0.1', none)).toBe('loopback');
    expect(refusedAddress('127.9.9.9', none)).toBe('loopback');
    expect(refusedAddress('::1', none)).toBe('loopback');
    expect(refusedAddress('::ffff:127.0.0.1', none)).toBe('loopback');
    expect(refusedAddress('0.0.0.0', none)).toBe('unspecified');
    expect(refusedAddress('::', none)).toBe('unspecified');
    expect(refusedAddress('169.254.169.254', none)).toBe('link-local');
    expect(refusedAddress('fe80::1', none)).toBe('link-local');
    expect(refusedAddress('168.63.129.16', none)).toBe('a cloud metadata endpoint');
    expect(refusedAddress('fd00:ec2::254', none)).toBe('a cloud metadata endpoint');
  });

  it("refuses this machine's own addresses, and lets public and intranet ones through", () => {
    const local = new Set(['172.17.0.1', '10.0.0.5']);
    expect(refusedAddress('172.17.0.1', local)).toBe("this machine's own address or its gateway");
    expect(refusedAddress('::ffff:10.0.0.5', local)).toBe(
      "this machine's own address or its gateway",
    );
    expect(refusedAddress('10.0.0.6', local)).toBeNull();
    expect(refusedAddress('192.168.1.20', local)).toBeNull();
    expect(refusedAddress('93.184.216.34', local)).toBeNull();
    expect(refusedAddress('2606:2800:220:1::1', local)).toBeNull();
  });
});

describe('readDefaultGateway', () => {
  it('reads the next hop of the default route, and nothing without one', () => {
    const table = [
      'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask',
      'eth1\t000012AC\t00000000\t0001\t0\t0\t0\t0000FFFF',
      'eth0\t00000000\t010011AC\t0003\t0\t0\t0\t00000000',
    ].join('\n');
    expect(readDefaultGateway(table)).toBe('172.17.0.1');
    expect(readDefaultGateway(table.split('\n').slice(0, 2).join('\n'))).toBeNull();
    expect(readDefaultGateway('')).toBeNull();
  });
});

describe('readHostAliases', () => {
  it("finds the addresses /etc/hosts gives the host's names, and no others", () => {
    const hosts = [
      '127.0.0.1\tlocalhost',
      '172.17.0.1\thost.docker.internal # from extra_hosts',
      '# 10.9.9.9 host.docker.internal',
      '172.18.0.1 other gateway.docker.internal',
      '198.18.0.2 agent',
    ].join('\n');
    expect(readHostAliases(hosts)).toEqual(['172.17.0.1', '172.18.0.1']);
  });
});
