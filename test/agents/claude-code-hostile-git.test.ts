/**
 * The data loss first seen through the real Claude Code CLI: the agent, fenced in the
 * docker sandbox, writes its work and sets up a clean filter for every path plus failing
 * hooks, with its Bash tool. The plant is shown to bite in the tool's own output (a naive
 * commit of a copy loses the work); the branch must still hold the work byte for byte.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGatewayImage } from '../../src/backends/docker/index.js';
import { baseFiles, gitPlants, plantAndWorkScript } from '../fixtures/hostile-git.js';
import { corral, makeHome, readEvents } from '../helpers/cli.js';
import { expectWorkOn } from '../helpers/expect-work.js';
import { makeRepo } from '../helpers/git-repo.js';
import {
  createTestNetwork,
  startModelStandIn,
  type StandInContainer,
} from '../helpers/stand-in-container.js';
import type { LoggedRequest } from '../helpers/stand-in/anthropic-stand-in.js';

const tag = `${process.pid}-claude-git`;
const filter = gitPlants.find((p) => p.name.startsWith('a clean filter'))!;
const hooks = gitPlants.find((p) => p.name.startsWith('failing hooks'))!;

describe('claude hides its work from git, fenced in docker', () => {
  let network: ReturnType<typeof createTestNetwork>;
  let api: StandInContainer<LoggedRequest>;

  beforeAll(async () => {
    await buildGatewayImage();
    network = createTestNetwork(`corral-test-${tag}`);
    api = await startModelStandIn<LoggedRequest>('anthropic', {
      network: network.name,
      tag,
      script: [
        {
          toolUse: {
            name: 'Bash',
            input: {
              command: `${hooks.plant.split('\n').join(' && ')}\n${plantAndWorkScript(filter)}`,
              description: 'Work, and set up git',
            },
          },
        },
        { text: 'Done.' },
      ],
    });
  });

  afterAll(() => {
    api?.close();
    network?.remove();
  });

  it('the branch holds the work all the same', async () => {
    const home = await makeHome();
    const repo = await makeRepo(baseFiles);
    const r = await corral(home, ['run', '--agent', 'claude', '-p', 'do the work', '--json'], {
      cwd: repo.dir,
      env: {
        CORRAL_DOCKER_NETWORK: network.name,
        ANTHROPIC_BASE_URL: api.url,
        ANTHROPIC_API_KEY: 'sk-ant-test-hostile-git',
      },
    });
    expect(r.code, r.stderr).toBe(0);
    const out = r.json<{ id: string; status: string; branch: string }>();
    expect(out.status).toBe('succeeded');
    // The positive control, in what the tool printed.
    const results = (await readEvents(home, out.id))
      .filter((e) => e.type === 'agent.tool-result')
      .map((e) => String(e.output));
    expect(results.join('\n')).toMatch(/CONTROL: bites/);
    expect(results.join('\n')).not.toContain('NOT-PLANTED');
    expectWorkOn(repo, out.branch);
  });
});
