import { describe, expect, it } from 'vitest';
import { pickInternalSubnet, usedIndexes } from './fence-networks.js';

describe('internal subnets from 198.18.0.0/15', () => {
  it('counts the /28s of its range that existing networks overlap, and nothing else', () => {
    expect([...usedIndexes(['172.17.0.0/16', '10.0.0.0/8', 'fe80::/64'])]).toEqual([]);
    expect([...usedIndexes(['198.18.0.0/28', '198.18.0.32/28'])]).toEqual([0, 2]);
    expect([...usedIndexes(['198.18.1.0/24'])]).toEqual(
      Array.from({ length: 16 }, (_, i) => 16 + i),
    );
    expect(usedIndexes(['198.16.0.0/12']).size).toBe(8192);
  });

  it('picks a free /28, never one in use', () => {
    // A random source that first lands on used ones.
    const picks = [0, 0, 2 / 8192, 1 / 8192];
    let i = 0;
    const random = () => picks[i++] ?? 0.5;
    expect(pickInternalSubnet(['198.18.0.0/28', '198.18.0.32/28'], random)).toBe('198.18.0.16/28');
    expect(pickInternalSubnet([], () => 0.999_99)).toBe('198.19.255.240/28');
    expect(() => pickInternalSubnet(['198.18.0.0/15'])).toThrow(/every subnet/);
  });
});
