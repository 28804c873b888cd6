import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { findOpener } from './open-browser.js';

const url = 'http://127.0.0.1:7070/#token=abc';

describe('findOpener', () => {
  let bin: string;
  beforeAll(async () => {
    bin = await mkdtemp(join(tmpdir(), 'opener-'));
    for (const name of ['my-browser', 'xdg-open', 'open']) {
      await writeFile(join(bin, name), '#!/bin/sh\n');
      await chmod(join(bin, name), 0o755);
    }
    await writeFile(join(bin, 'not-executable'), '');
  });

  it('takes $BROWSER first, the address after its words or in place of %s', () => {
    expect(findOpener(url, { BROWSER: 'my-browser --new-window', PATH: bin }, 'linux')).toEqual({
      argv: [join(bin, 'my-browser'), '--new-window', url],
      source: '$BROWSER',
    });
    expect(findOpener(url, { BROWSER: 'my-browser -u %s', PATH: bin }, 'linux')?.argv).toEqual([
      join(bin, 'my-browser'),
      '-u',
      url,
    ]);
  });

  it('goes down $BROWSER’s list to one that exists, then to the platform’s opener', () => {
    const env = { BROWSER: 'missing:not-executable:my-browser', PATH: bin };
    expect(findOpener(url, env, 'linux')?.argv[0]).toBe(join(bin, 'my-browser'));
    expect(findOpener(url, { BROWSER: 'missing', PATH: bin }, 'linux')).toEqual({
      argv: [join(bin, 'xdg-open'), url],
      source: 'xdg-open',
    });
    expect(findOpener(url, { PATH: bin }, 'darwin')?.argv).toEqual([join(bin, 'open'), url]);
  });

  it('finds none when nothing is on PATH', () => {
    expect(findOpener(url, { PATH: join(bin, 'nowhere') }, 'linux')).toBeNull();
    expect(findOpener(url, { PATH: '' }, 'linux')).toBeNull();
  });
});
