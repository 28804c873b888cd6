import { mkdtemp, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findImagesDir, getDefaultImageTag } from './sandbox-image.js';

describe('getDefaultImageTag', () => {
  let imagesDir: string;
  let context: string;

  beforeEach(async () => {
    imagesDir = await mkdtemp(join(tmpdir(), 'corral-images-'));
    context = join(imagesDir, 'sandbox');
    await mkdir(join(context, 'certs'), { recursive: true });
    await writeFile(join(context, 'Dockerfile'), 'FROM debian:bookworm-slim\n');
    await writeFile(join(context, 'certs', 'README.md'), 'certs go here\n');
  });
  afterEach(() => rm(imagesDir, { recursive: true, force: true }));

  it('is corral-sandbox:<12 hex> and stable while nothing changes', () => {
    const tag = getDefaultImageTag(imagesDir);
    expect(tag).toMatch(/^corral-sandbox:[0-9a-f]{12}$/);
    expect(getDefaultImageTag(imagesDir)).toBe(tag);
  });

  it('changes when the Dockerfile changes', async () => {
    const before = getDefaultImageTag(imagesDir);
    await writeFile(join(context, 'Dockerfile'), 'FROM debian:bookworm-slim\nRUN true\n');
    expect(getDefaultImageTag(imagesDir)).not.toBe(before);
  });

  it('changes when another context file changes, appears or is renamed', async () => {
    const first = getDefaultImageTag(imagesDir);
    await writeFile(join(context, 'certs', 'README.md'), 'certs go here!\n');
    const second = getDefaultImageTag(imagesDir);
    await writeFile(join(context, 'certs', 'corp.crt'), 'pem\n');
    const third = getDefaultImageTag(imagesDir);
    await rename(join(context, 'certs', 'corp.crt'), join(context, 'certs', 'other.crt'));
    const fourth = getDefaultImageTag(imagesDir);
    expect(new Set([first, second, third, fourth]).size).toBe(4);
  });

  it('ignores files outside the sandbox context', async () => {
    const before = getDefaultImageTag(imagesDir);
    await writeFile(join(imagesDir, 'notes.txt'), 'not part of the image\n');
    expect(getDefaultImageTag(imagesDir)).toBe(before);
  });

  it('finds the shipped images directory and tags it', () => {
    expect(getDefaultImageTag(findImagesDir())).toMatch(/^corral-sandbox:[0-9a-f]{12}$/);
  });
});
