/**
 * An instance's own image: the image it ran in, plus the packages a person approved for
 * it (`corral approve` of a package request). A Dockerfile in the instance's state dir
 * (`image/Dockerfile`) says `FROM <the current image>`, installs the packages as root —
 * apt-get, or `npm install -g` against the registry the agents image uses, trusting the
 * same CA certificates as every other corral build — and goes back to the image's own
 * user. It is built with the engine's build API and tagged `corral-instance-<id>:<n>`
 * (n: the request), so each approval adds one layer on the last.
 *
 * Package names come from an agent's request. They are checked by the request grammar
 * before they get here, and checked again here against a shell-safe spelling, then
 * written single-quoted: nothing in a name can reach the shell as syntax.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type Dockerode from 'dockerode';
import { CorralError } from '../../lib/errors.js';
import { withTemporaryContext } from './build-context.js';
import { runEngineBuild } from './engine-build.js';
import { isNotFound, rethrowEngineError } from './engine-errors.js';
import { newDockerode } from './load-dockerode.js';

export const instanceImageRepositoryPrefix = 'corral-instance-';
/** The image label naming the CORRAL_HOME that built it. */
export const instanceImageHomeLabel = 'corral.instance-image.home';

/** The registry npm installs from unless the host's npm config says otherwise. */
export const defaultNpmRegistry = 'https://registry.npmjs.org';

export interface InstancePackage {
  manager: 'apt' | 'npm';
  name: string;
}

const safeName = /^[a-z0-9@][a-z0-9@/._~+-]*$/;
const safeImage = /^[A-Za-z0-9][A-Za-z0-9._/:@-]*$/;
const safeUser = /^[A-Za-z0-9_][A-Za-z0-9_.:-]*$/;
const safeUrl = /^https?:\/\/[A-Za-z0-9._~:/?#@!&+,;=%-]+$/;

function check(value: string, pattern: RegExp, what: string): string {
  if (!pattern.test(value)) {
    throw new CorralError('INTERNAL', `Refusing to write ${JSON.stringify(value)} as ${what}.`);
  }
  return value;
}

/** `corral-instance-<id>:<n>`: the image built for request n of instance id. */
export function getInstanceImageTag(instanceId: string, n: number): string {
  return `${instanceImageRepositoryPrefix}${instanceId}:${n}`;
}

function aptStep(names: string[]): string {
  return [
    'RUN set -eu; \\',
    "    if ! command -v apt-get >/dev/null 2>&1; then echo 'corral: the image has no apt-get, so apt packages cannot be added to it' >&2; exit 1; fi; \\",
    '    apt-get update; \\',
    `    apt-get install -y --no-install-recommends ${names.map((n) => `'${n}'`).join(' ')}; \\`,
    '    apt-get clean; \\',
    '    rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb /var/log/apt /var/log/dpkg.log',
  ].join('\n');
}

function npmStep(names: string[]): string {
  const quoted = names.map((n) => `'${n}'`).join(' ');
  return [
    'RUN set -eu; \\',
    "    if ! command -v npm >/dev/null 2>&1; then echo 'corral: the image has no npm, so npm packages cannot be added to it' >&2; exit 1; fi; \\",
    '    export HOME=/root/corral-build-home \\',
    '      NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt \\',
    '      npm_config_cafile=/etc/ssl/certs/ca-certificates.crt \\',
    '      npm_config_registry="$NPM_REGISTRY" \\',
    '      npm_config_cache=/tmp/corral-npm-cache \\',
    '      npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false \\',
    '      npm_config_loglevel=warn; \\',
    `    npm install -g ${quoted}; \\`,
    // The sandbox runs as an arbitrary uid: what was installed must be readable by all.
    `    root=$(npm root -g); for name in ${quoted}; do chmod -R a+rX "$root/$name"; done; \\`,
    '    rm -rf /tmp/corral-npm-cache /tmp/node-compile-cache /root/corral-build-home /root/.npm',
  ].join('\n');
}

export interface InstanceDockerfileOptions {
  /** The image the instance runs in now. */
  from: string;
  /** The `User` of that image's config ('' for root), restored at the end. */
  user: string;
  packages: InstancePackage[];
  /** What the first comment line says it is for, e.g. `claude-k3x9q, request 2`. */
  label: string;
  npmRegistry?: string;
}

/**
 * The Dockerfile text.
 *
 * @example renderInstanceDockerfile({ from: 'corral-agents:8e02b5c41a97', user: '',
 *   packages: [{ manager: 'apt', name: 'jq' }], label: 'claude-k3x9q, request 2' })
 */
export function renderInstanceDockerfile(options: InstanceDockerfileOptions): string {
  const from = check(options.from, safeImage, 'an image');
  const registry = check(options.npmRegistry ?? defaultNpmRegistry, safeUrl, 'a registry URL');
  const label = options.label.replace(/[^A-Za-z0-9 ,._:-]/g, '');
  const apt = options.packages.filter((p) => p.manager === 'apt').map((p) => p.name);
  const npm = options.packages.filter((p) => p.manager === 'npm').map((p) => p.name);
  for (const name of [...apt, ...npm]) check(name, safeName, 'a package name');
  const lines = [
    `# corral: ${label}. The packages a person approved, added to the image the instance ran in.`,
    '# Written and built by `corral approve`; the instance runs on the result.',
    `FROM ${from}`,
    'USER root',
    // Builds trust what the host trusts (a CA that re-signs HTTPS, say); certs/ is filled
    // in a temporary copy of this directory.
    'COPY certs/ /usr/local/share/ca-certificates/corral-instance/',
    'RUN if command -v update-ca-certificates >/dev/null 2>&1; then update-ca-certificates >/dev/null 2>&1; fi',
    'ARG DEBIAN_FRONTEND=noninteractive',
    `ARG NPM_REGISTRY=${registry}`,
  ];
  if (apt.length > 0) lines.push(aptStep(apt));
  if (npm.length > 0) lines.push(npmStep(npm));
  if (options.user && options.user !== 'root' && options.user !== '0') {
    lines.push(`USER ${check(options.user, safeUser, 'a user')}`);
  }
  return `${lines.join('\n')}\n`;
}

export interface BuildInstanceImageOptions {
  docker?: Dockerode;
  instanceId: string;
  /** The request the build is for; it names the tag. */
  n: number;
  /** The CORRAL_HOME of the instance, on the image as a label, for `corral gc`. */
  home: string;
  /** The image the instance runs in now; it must exist. */
  from: string;
  packages: InstancePackage[];
  /** Where the Dockerfile is written (the state dir's `image/`). */
  dir: string;
  /** PEM files (bundles allowed) the build trusts. */
  caCertFiles?: readonly string[];
  npmRegistry?: string;
  onProgress?: (line: string) => void;
  signal?: AbortSignal;
}

async function loadImageUser(docker: Dockerode, image: string, instanceId: string) {
  try {
    const info = (await docker.getImage(image).inspect()) as { Config?: { User?: string } };
    return info.Config?.User ?? '';
  } catch (error) {
    if (isNotFound(error)) {
      throw new CorralError(
        'IMAGE_MISSING',
        `${image}, the image ${instanceId} ran in, is no longer in the Docker engine.`,
        { hint: 'Build it again (corral image build), then approve again.' },
      );
    }
    return rethrowEngineError(docker, error);
  }
}

/**
 * Writes `<dir>/Dockerfile`, builds it and returns the new image's tag.
 *
 * @example await buildInstanceImage({ instanceId: 'claude-k3x9q', n: 2, from: 'corral-agents:8e02b5c41a97',
 *   packages: [{ manager: 'apt', name: 'jq' }], dir: '/home/me/.corral/instances/claude-k3x9q/image' })
 *   // 'corral-instance-claude-k3x9q:2'
 */
export async function buildInstanceImage(options: BuildInstanceImageOptions): Promise<string> {
  const docker = options.docker ?? newDockerode();
  const tag = getInstanceImageTag(options.instanceId, options.n);
  const user = await loadImageUser(docker, options.from, options.instanceId);
  const text = renderInstanceDockerfile({
    from: options.from,
    user,
    packages: options.packages,
    label: `${options.instanceId}, request ${options.n}`,
    npmRegistry: options.npmRegistry,
  });
  await mkdir(options.dir, { recursive: true });
  await writeFile(join(options.dir, 'Dockerfile'), text);
  await withTemporaryContext(options.dir, options.caCertFiles ?? [], (context) =>
    runEngineBuild({
      docker,
      context,
      tag,
      name: `the image of ${options.instanceId} with request ${options.n}`,
      labels: { [instanceImageHomeLabel]: options.home },
      onProgress: options.onProgress,
      signal: options.signal,
    }),
  );
  return tag;
}

/**
 * The instance images a CORRAL_HOME made, by instance id (for `corral gc`: those whose
 * instance record is gone).
 */
export async function listInstanceImages(
  home: string,
  docker: Dockerode = newDockerode(),
): Promise<Map<string, string[]>> {
  const images = await docker.listImages({
    filters: { label: [`${instanceImageHomeLabel}=${home}`] },
  });
  const byInstance = new Map<string, string[]>();
  for (const tag of images.flatMap((image) => image.RepoTags ?? [])) {
    const [repository = ''] = tag.split(':');
    if (!repository.startsWith(instanceImageRepositoryPrefix)) continue;
    const id = repository.slice(instanceImageRepositoryPrefix.length);
    byInstance.set(id, [...(byInstance.get(id) ?? []), tag]);
  }
  return byInstance;
}

/** Removes every `corral-instance-<id>:*` image (after `corral rm`); returns the tags removed. */
export async function removeInstanceImages(
  instanceId: string,
  docker: Dockerode = newDockerode(),
): Promise<string[]> {
  const repository = `${instanceImageRepositoryPrefix}${instanceId}`;
  const images = await docker.listImages({ filters: { reference: [repository] } });
  const tags = images
    .flatMap((image) => image.RepoTags ?? [])
    .filter((t) => t.startsWith(`${repository}:`))
    // Newest first: each is layered on the one before.
    .sort((a, b) => Number(b.split(':')[1]) - Number(a.split(':')[1]));
  for (const t of tags) {
    await docker
      .getImage(t)
      .remove()
      .catch((error: unknown) => {
        if (!isNotFound(error)) throw error;
      });
  }
  return tags;
}
