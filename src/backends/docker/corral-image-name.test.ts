import { describe, expect, it } from 'vitest';
import { getAgentImageTag } from './agent-image.js';
import { resolveCorralImageName, splitImageName } from './corral-image-name.js';
import { findImagesDir, getDefaultImageTag } from './sandbox-image.js';

const imagesDir = findImagesDir();

describe('resolveCorralImageName', () => {
  it("takes corral's images named without a tag, or :latest, to the current build", () => {
    expect(resolveCorralImageName('corral-sandbox', imagesDir)).toBe(getDefaultImageTag(imagesDir));
    expect(resolveCorralImageName('corral-agents', imagesDir)).toBe(getAgentImageTag(imagesDir));
    expect(resolveCorralImageName('corral-agents:latest', imagesDir)).toBe(
      getAgentImageTag(imagesDir),
    );
    expect(getAgentImageTag(imagesDir)).toMatch(/^corral-agents:[0-9a-f]{12}$/);
  });

  it('leaves a tag, a digest and any other image as given', () => {
    for (const image of [
      'corral-agents:0123456789ab',
      'corral-agents@sha256:' + 'a'.repeat(64),
      'node:22',
      'debian',
      'registry.example:5000/corral-agents',
      'corral-agents-dev',
    ]) {
      expect(resolveCorralImageName(image, imagesDir)).toBe(image);
    }
  });
});

describe('splitImageName', () => {
  it('tells a registry port from a tag', () => {
    expect(splitImageName('corral-agents')).toEqual({
      repository: 'corral-agents',
      tag: undefined,
    });
    expect(splitImageName('node:22')).toEqual({ repository: 'node', tag: '22' });
    expect(splitImageName('localhost:5000/x')).toEqual({
      repository: 'localhost:5000/x',
      tag: undefined,
    });
    expect(splitImageName('localhost:5000/x:1')).toEqual({
      repository: 'localhost:5000/x',
      tag: '1',
    });
  });
});
