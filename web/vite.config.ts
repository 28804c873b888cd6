/**
 * Builds the dashboard (web/) into dist/web, where the engine serves it from on `corral
 * serve`. JSX goes through Vite's own esbuild (no plugin); the output has no inline script,
 * so the page runs under a Content-Security-Policy of `script-src 'self'`.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    // The polyfill would be inline script, which the CSP refuses; every browser we serve has modulepreload.
    modulePreload: { polyfill: false },
    sourcemap: false,
    target: 'es2022',
  },
});
