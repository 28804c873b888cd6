import { describe, expect, it } from 'vitest';
import { takeToken } from './session.js';

describe('takeToken', () => {
  it('takes the token out of the fragment corral serve printed', () => {
    expect(takeToken('#token=abc-_123')).toEqual({ token: 'abc-_123', rest: '#/' });
    expect(takeToken('#/requests')).toEqual({ token: null, rest: '#/requests' });
    expect(takeToken('')).toEqual({ token: null, rest: '' });
  });
});
