/**
 * What `corral doctor` checks of the docker backend once its engine answers: the images
 * corral runs on (built, never pulled) and the Compose CLI fenced instances need.
 */
import type { HealthCheck } from '../capabilities.js';
import type { ComposeCli } from './compose/index.js';
import { getAgentImageTag } from './agent-image.js';
import { getGatewayImageTag } from './gateway-image.js';
import { findImagesDir, getDefaultImageTag } from './sandbox-image.js';

const networkNeed = ' (needed by every instance with network: agents, --allow-host)';

export async function diagnoseDocker(engine: {
  hasImage(tag: string): Promise<boolean>;
  composeCli(): Promise<ComposeCli>;
}): Promise<HealthCheck[]> {
  const dir = findImagesDir();
  const images: Array<{ name: string; tag: string; has?: string; needs?: string }> = [
    {
      name: 'sandbox image',
      tag: getDefaultImageTag(dir),
      has: ' (Node, npm, Python 3, pip, a C toolchain, git)',
    },
    {
      name: 'agents image',
      tag: getAgentImageTag(dir),
      has: ' (Claude Code, Codex, Gemini CLI)',
      needs: ' (needed by --agent claude|codex|gemini)',
    },
    { name: 'gateway image', tag: getGatewayImageTag(dir), needs: networkNeed },
  ];
  const checks: HealthCheck[] = [];
  for (const { name, tag, has = '', needs = '' } of images) {
    const ok = await engine.hasImage(tag);
    checks.push({
      name,
      ok,
      detail: ok ? `${tag}${has}` : `${tag} not built${needs}`,
      fix: 'corral image build',
    });
  }
  // The same detection a fenced start uses.
  const compose = await engine.composeCli().catch(() => null);
  checks.push({
    name: 'compose',
    ok: compose !== null,
    detail: !compose
      ? `no compose CLI${networkNeed}`
      : compose.generation === 2
        ? `${compose.argv.join(' ')} ${compose.version}`
        : `docker-compose ${compose.version} (v1)`,
    fix: 'sudo apt-get install -y docker-compose',
  });
  return checks;
}
