/**
 * Named sets of hosts for the common package registries, so that a run can be given what
 * `npm install` or `pip install` needs with `--allow npm` rather than a list of names found
 * by trial. Each preset is exactly the hosts its tool contacts with its default
 * configuration (the README lists them); a registry configured elsewhere needs
 * `--allow-host` for that host. The same names work in `corral allow` / `corral deny`, and
 * the hint of a run that could not reach a host names the preset holding it.
 */
import { CorralError } from '../lib/errors.js';
import { isHostAllowed } from '../gateway/policy.js';

export const allowPresets = {
  /** npm (metadata and tarballs); yarn's default registry is an alias of it. */
  npm: ['registry.npmjs.org', 'registry.yarnpkg.com'],
  /** pip: the index (pypi.org) and the files it links to. */
  pypi: ['pypi.org', 'files.pythonhosted.org'],
  /** cargo: the sparse index, the crate downloads, the API (search, publish). */
  crates: ['index.crates.io', 'static.crates.io', 'crates.io'],
  /**
   * go: the module proxy, the checksum database, and Google Cloud Storage, where the proxy
   * redirects module zips (this opens all of storage.googleapis.com).
   */
  go: ['proxy.golang.org', 'sum.golang.org', 'storage.googleapis.com'],
  /** apt on Debian images: the archive and the security archive (plain HTTP). */
  debian: ['deb.debian.org', 'security.debian.org'],
  /** git over HTTPS, the API, archives, raw files and release downloads (not LFS). */
  github: [
    'github.com',
    'api.github.com',
    'codeload.github.com',
    'raw.githubusercontent.com',
    'objects.githubusercontent.com',
    'release-assets.githubusercontent.com',
  ],
} as const satisfies Record<string, readonly string[]>;

export type AllowPreset = keyof typeof allowPresets;

export const allowPresetNames = Object.keys(allowPresets) as AllowPreset[];

export function isAllowPreset(name: string): name is AllowPreset {
  return Object.hasOwn(allowPresets, name);
}

/** The hosts of presets named on the command line; an unknown name is a usage error. */
export function expandAllowPresets(names: readonly string[]): string[] {
  const hosts: string[] = [];
  for (const name of names) {
    if (!isAllowPreset(name)) {
      throw new CorralError('USAGE', `--allow '${name}' is not a preset.`, {
        hint: `Use one of ${allowPresetNames.join(', ')}; for any other host, --allow-host <host>.`,
      });
    }
    hosts.push(...allowPresets[name]);
  }
  return [...new Set(hosts)];
}

/**
 * Hosts and preset names as `corral allow` / `deny` take them: a preset's name stands for
 * its hosts (so it is never read as a one-label host name), anything else is a host.
 *
 * @example expandAllowEntries(['npm', 'example.com']) // ['registry.npmjs.org', 'registry.yarnpkg.com', 'example.com']
 */
export function expandAllowEntries(entries: readonly string[]): string[] {
  const out = entries.flatMap((entry) => (isAllowPreset(entry) ? allowPresets[entry] : [entry]));
  return [...new Set(out)];
}

/**
 * How to allow `hosts`: the presets that hold some of them, and the hosts no preset holds.
 *
 * @example describeAllowance(['registry.npmjs.org', 'example.com']) // { presets: ['npm'], hosts: ['example.com'] }
 */
export function describeAllowance(hosts: readonly string[]): {
  presets: AllowPreset[];
  hosts: string[];
} {
  const presets = new Set<AllowPreset>();
  const rest: string[] = [];
  for (const host of hosts) {
    const preset = allowPresetNames.find((name) => isHostAllowed(allowPresets[name], host, 443));
    if (preset) presets.add(preset);
    else rest.push(host);
  }
  return { presets: [...presets], hosts: rest };
}
