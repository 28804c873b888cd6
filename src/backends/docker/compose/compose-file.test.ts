import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ComposeSpec } from './compose-spec.js';
import { loadComposeFile, serializeComposeSpec, writeComposeFile } from './compose-file.js';

const spec: ComposeSpec = {
  services: {
    agent: {
      image: 'corral-sandbox:1',
      user: '10999:10999',
      environment: { PASSWORD: 'a$b$$c', HOME: '/tmp/home', KEY: null },
      labels: { 'corral.instance': 'x' },
      volumes: [],
      tmpfs: [],
      read_only: true,
      privileged: false,
      init: true,
      ipc: 'private',
      restart: 'no',
      network_mode: 'none',
    },
  },
};

describe('compose.yml', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'corral-compose-file-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('escapes every $ so Compose interpolates nothing', () => {
    const text = serializeComposeSpec(spec);
    expect(text).toContain('"PASSWORD": "a$$b$$$$c"');
    expect(text).toContain('"KEY": null');
  });

  it('is written into the state dir and reads back as the same spec', async () => {
    const path = await writeComposeFile(dir, spec);
    expect(path).toBe(join(dir, 'compose.yml'));
    expect(JSON.parse(await readFile(path, 'utf8'))).toHaveProperty('services.agent');
    expect(await loadComposeFile(dir)).toEqual(spec);
  });
});
