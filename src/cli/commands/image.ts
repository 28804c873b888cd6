/** `corral image build`: builds the default sandbox image from images/sandbox/Dockerfile. */
import type { Command } from 'commander';
import { buildImage, findImagesDir, getDefaultImageTag } from '../../backends/docker/index.js';
import type { CommandContext } from '../context.js';
import { printJson, printLine, progress } from '../output.js';

export function registerImage(program: Command, ctx: CommandContext): void {
  const image = program.command('image').description('sandbox images');
  image
    .command('build')
    .description(
      'build the default sandbox image (tagged by the hash of its Dockerfile and context)',
    )
    .option(
      '--ca-cert <file...>',
      'extra CA certificates (PEM) to trust in the image, e.g. a corporate proxy CA',
    )
    .option('--json', 'print one JSON object: { tag }')
    .action(async (o: { caCert?: string[]; json?: boolean }) => {
      const app = ctx.app();
      await app.docker.prepareEngine();
      const tag = getDefaultImageTag(findImagesDir());
      progress(`corral: building ${tag}`);
      await buildImage({
        tag,
        caCertFiles: o.caCert ?? [],
        onProgress: (line) => progress(`  ${line}`),
      });
      if (o.json) printJson({ tag });
      else printLine(tag);
    });
}
