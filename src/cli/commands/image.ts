/**
 * `corral image build`: builds the default sandbox image (images/sandbox/), the agents
 * image on it (images/agents/) and the gateway sidecar's image (images/gateway/), each
 * tagged by the hash of its content. The builds trust
 * the host's CA bundle unless told not to, plus any `--ca-cert` given.
 */
import type { Command } from 'commander';
import { CorralError } from '../../lib/errors.js';
import type { CommandContext } from '../context.js';
import { printJson, printLine, progress } from '../output.js';

interface ImageBuildOptions {
  caCert?: string[];
  hostCa: boolean;
  baseOnly?: boolean;
  json?: boolean;
}

export function registerImage(program: Command, ctx: CommandContext): void {
  const image = program.command('image').description('sandbox images');
  image
    .command('build')
    .description(
      'build the sandbox image, the agents image on it and the gateway image (each tagged by the hash of its content)',
    )
    .option('--base-only', 'build only the sandbox image (enough for shell commands and the demo)')
    .option(
      '--ca-cert <file...>',
      'extra CA certificates (PEM) to trust in the images, e.g. a corporate proxy CA',
    )
    .option('--no-host-ca', "do not hand the host's CA bundle to the builds")
    .option(
      '--json',
      'print one JSON object: { base, agents, gateway } (agents and gateway null with --base-only)',
    )
    .action(async (o: ImageBuildOptions) => {
      const app = await ctx.app();
      const images = Object.values(app.backends).find((b) => b.images)?.images;
      if (!images) throw new CorralError('INTERNAL', 'No backend of this corral builds images.');
      const built = await images.buildDefaults({
        baseOnly: Boolean(o.baseOnly),
        hostCa: o.hostCa,
        caCertFiles: o.caCert ?? [],
        onImage: (tag) => progress(`corral: building ${tag}`),
        onProgress: (line) => progress(`  ${line}`),
      });
      if (o.json) printJson(built);
      else for (const tag of Object.values(built)) if (tag) printLine(tag);
    });
}
