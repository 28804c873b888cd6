/** Which setup a repository's files name, first match wins. */
import { describe, expect, it } from 'vitest';
import { detectSetup } from './setup-detect.js';

describe('detectSetup', () => {
  it("prefers the repository's own script, then lockfiles, then manifests", () => {
    expect(detectSetup(['package-lock.json', '.corral/setup.sh'])).toBe('bash .corral/setup.sh');
    expect(detectSetup(['package.json', 'package-lock.json'])).toBe('npm ci');
    expect(detectSetup(['pnpm-lock.yaml'])).toBe('pnpm install --frozen-lockfile');
    expect(detectSetup(['requirements.txt', 'pyproject.toml'])).toBe(
      'pip install -r requirements.txt',
    );
    expect(detectSetup(['go.mod'])).toBe('go mod download');
    expect(detectSetup(['Cargo.toml'])).toBe('cargo fetch');
    expect(detectSetup(['package.json', 'Makefile'])).toBeNull();
  });
});
