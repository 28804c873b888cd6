import { describe, expect, it } from 'vitest';
import { hrefs, parseRoute } from './route.js';

describe('parseRoute', () => {
  it('names each page, and goes back from each link it makes', () => {
    expect(parseRoute('')).toEqual({ page: 'instances' });
    expect(parseRoute('#/')).toEqual({ page: 'instances' });
    expect(parseRoute(hrefs.requests)).toEqual({ page: 'requests' });
    expect(parseRoute(hrefs.instance('fake-ab/c d'))).toEqual({
      page: 'instance',
      id: 'fake-ab/c d',
    });
    expect(parseRoute(hrefs.battles)).toEqual({ page: 'battles' });
    expect(parseRoute(hrefs.battle('battle-ab12c'))).toEqual({
      page: 'battle',
      id: 'battle-ab12c',
    });
    expect(parseRoute('#/nowhere')).toEqual({ page: 'unknown' });
    expect(parseRoute('#/battles/%E0%A4%A')).toEqual({ page: 'unknown' });
    expect(parseRoute('#/instances/%E0%A4%A')).toEqual({ page: 'unknown' });
  });
});
