/** The default route as the bridge-address helper reads it from a container's route table. */
import { describe, expect, it } from 'vitest';
import { defaultRouteOf } from './bridge-address.js';

describe('defaultRouteOf', () => {
  it('reads the next hop of the default route, little-endian hex', () => {
    const table = [
      'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
      'eth0\t0000A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
      'eth0\t00000000\t010011AC\t0003\t0\t0\t0\t00000000\t0\t0\t0',
    ].join('\n');
    expect(defaultRouteOf(table)).toBe('172.17.0.1');
  });

  it('finds nothing in a table without a default route', () => {
    expect(defaultRouteOf('Iface\tDestination\tGateway\nlo\t0000007F\t00000000\n')).toBe(undefined);
  });
});
