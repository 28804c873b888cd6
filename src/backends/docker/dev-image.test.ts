import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getDevImageTag } from './dev-image.js';
import { findImagesDir } from './sandbox-image.js';

describe('getDevImageTag', () => {
  let imagesDir: string;
  beforeEach(async () => {
    imagesDir = await mkdtemp(join(tmpdir(), 'corral-images-'));
    await cp(findImagesDir(), imagesDir, { recursive: true });
  });
  afterEach(() => rm(imagesDir, { recursive: true, force: true }));

  it('is corral-dev:<12 hex>, one per devcontainer image, stable while nothing changes', () => {
    const tag = getDevImageTag(imagesDir, 'sha256:aaaa');
    expect(tag).toMatch(/^corral-dev:[0-9a-f]{12}$/);
    expect(getDevImageTag(imagesDir, 'sha256:aaaa')).toBe(tag);
    expect(getDevImageTag(findImagesDir(), 'sha256:aaaa')).toBe(tag);
    expect(getDevImageTag(imagesDir, 'sha256:bbbb')).not.toBe(tag);
  });

  it('changes with its Dockerfile and with the sandbox image it takes Node from', async () => {
    const tags = [getDevImageTag(imagesDir, 'sha256:aaaa')];
    await writeFile(join(imagesDir, 'devcontainer', 'Dockerfile'), '# changed\n', { flag: 'a' });
    tags.push(getDevImageTag(imagesDir, 'sha256:aaaa'));
    await writeFile(join(imagesDir, 'sandbox', 'Dockerfile'), '# changed\n', { flag: 'a' });
    tags.push(getDevImageTag(imagesDir, 'sha256:aaaa'));
    expect(new Set(tags).size).toBe(3);
  });
});
