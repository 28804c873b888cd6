/**
 * corral's own image names without a tag. Its images exist only under content-hash tags
 * (`corral-agents:8e02b5c41a97`), so `--image corral-agents` (to Docker: `:latest`, which
 * never exists) means the build this corral would use: the current tag of that image.
 */
import { getAgentImageTag } from './agent-image.js';
import { getGatewayImageTag } from './gateway-image.js';
import { getDefaultImageTag } from './sandbox-image.js';

const currentTags: Record<string, (imagesDir: string) => string> = {
  'corral-sandbox': getDefaultImageTag,
  'corral-agents': getAgentImageTag,
  'corral-gateway': getGatewayImageTag,
};

/** An image reference split into repository and tag (undefined: none given). */
export function splitImageName(image: string): { repository: string; tag: string | undefined } {
  const digest = image.indexOf('@');
  const name = digest >= 0 ? image.slice(0, digest) : image;
  const colon = name.lastIndexOf(':');
  if (colon <= name.lastIndexOf('/')) return { repository: name, tag: undefined };
  return { repository: name.slice(0, colon), tag: name.slice(colon + 1) };
}

/**
 * The current build's tag when `image` is one of corral's images named without a tag (or
 * with `:latest`), else `image` unchanged.
 *
 * @example resolveCorralImageName('corral-agents', findImagesDir()) // 'corral-agents:8e02b5c41a97'
 */
export function resolveCorralImageName(image: string, imagesDir: string): string {
  if (image.includes('@')) return image;
  const { repository, tag } = splitImageName(image);
  const current = currentTags[repository];
  return current && (tag === undefined || tag === 'latest') ? current(imagesDir) : image;
}
