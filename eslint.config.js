// ESLint flat config: typescript-eslint's type-checked rules, with the two the house
// style insists on (no floating promises, exhaustive switches) as errors, and the folder
// layering of STYLE.md: imports flow one way, from lib up to cli, and nothing above
// src/backends names a backend's folder (the registry in app.ts is the one exception); the
// dashboard (web/) takes only types from src.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** src's folders from the bottom layer up; a folder imports only from its layer and below. */
const layers = [
  ['lib'],
  ['protocol'],
  ['events', 'config', 'state'],
  ['workspace', 'backends', 'agents', 'gateway', 'store', 'grading'],
  ['orchestrator'],
  ['engine', 'server'],
  ['cli'],
];

/** A relative import that reaches src/<folder> (from any depth under src). */
const reaching = (folders) => `^(\\.\\./)+(${folders.join('|')})(/|$)`;

/** The layers that may put the app (src/app.ts, the composition root) together. */
const assemblers = ['engine', 'server', 'cli'];

const namingABackend = {
  regex: 'backends/(docker|local)(/|$)',
  message: 'Ask the backend seam (backends/backend.ts), not a backend by name.',
};

/** What a file in src/<folder> may not import (one rule option: a later one would replace it). */
function restrictedFor(folder, i) {
  const above = layers.slice(i + 1).flat();
  const patterns = [];
  if (above.length) {
    patterns.push({
      regex: reaching(above),
      message: `src/${folder} sits below ${above.join(', ')} (STYLE.md: imports flow one way).`,
    });
  }
  if (!assemblers.includes(folder)) {
    patterns.push({
      regex: '^(\\.\\./)+app\\.js$',
      message: 'Only the engine and the CLI put the app together.',
    });
  }
  if (folder !== 'backends') patterns.push(namingABackend);
  return { 'no-restricted-imports': ['error', { patterns }] };
}

const layering = layers.flatMap((folders, i) =>
  folders.map((folder) => ({ files: [`src/${folder}/**/*.ts`], rules: restrictedFor(folder, i) })),
);

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      '.worktrees/**',
      'node_modules/**',
      'bench/**',
      'scripts/**',
      'eslint.config.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  ...layering,
  {
    // The dashboard is a client of the API: from src it takes types only (erased from the bundle).
    files: ['web/**/*.ts', 'web/**/*.tsx'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+src/',
              allowTypeImports: true,
              message: 'web/ takes only the API types from src (import type).',
            },
          ],
        },
      ],
    },
  },
);
