import { describe, expect, it } from 'vitest';
import { parseJsonc, stripJsonComments } from './jsonc.js';

describe('parseJsonc', () => {
  it('parses plain JSON unchanged', () => {
    expect(parseJsonc('{"a": [1, 2, {"b": null}], "c": "d"}')).toEqual({
      a: [1, 2, { b: null }],
      c: 'd',
    });
  });

  it('allows line and block comments and trailing commas', () => {
    const text = [
      '// a devcontainer',
      '{',
      '  /* the base */ "image": "node:22", // pinned',
      '  "features": {',
      '    "x": 1, /* last */',
      '  },',
      '  "list": [1, 2,],',
      '}',
    ].join('\n');
    expect(parseJsonc(text)).toEqual({ image: 'node:22', features: { x: 1 }, list: [1, 2] });
  });

  it('leaves comment markers, commas and escapes inside strings alone', () => {
    const text = '{"url": "http://x//y", "glob": "a/*b*/", "q": "say \\"hi\\", ok", "t": ",}"}';
    expect(parseJsonc(text)).toEqual({
      url: 'http://x//y',
      glob: 'a/*b*/',
      q: 'say "hi", ok',
      t: ',}',
    });
  });

  it('keeps line numbers, so errors point at the right line', () => {
    const text = '/* one\ntwo */\n{\n  "a": 1\n}';
    expect(stripJsonComments(text).split('\n')).toHaveLength(5);
    expect(() => parseJsonc('{\n// c\n"a": }')).toThrow(SyntaxError);
  });
});
