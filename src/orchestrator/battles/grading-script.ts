/**
 * The command a grading sandbox runs, and how its output is read back. In a fresh sandbox on
 * a copy of the contestant's branch (never the sandbox its agent ran in) it: lists the test
 * files the contestant changed against the base, restores them from the base (protected
 * tests: deleted ones come back, edited ones are reset; new ones stay), puts the hidden
 * tests in place (when the battle has them), runs the setup, the
 * optional build and lint checks (their exit codes reported), then the test command, whose
 * exit code becomes the run's own.
 *
 * Its own lines carry a nonce (`[corral-grade <nonce>] …`). The list of changed files is
 * printed before any of the contestant's code runs, so the first such list is the true
 * one; each verdict is printed after its step ended, so the last verdict is the script's.
 * The nonce keeps the contestant's output from being read as the script's by accident; code
 * that reads it from /proc could print the script's lines, but the run's exit code is still
 * the test command's, and the grade compares with the base's (grade.ts).
 */
import { randomBytes } from 'node:crypto';
import { quoteArgv } from '../../lib/quote-argv.js';

/** Where tests live in the common layouts (git pathspecs), when the battle names none. */
export const defaultTestPathspecs: readonly string[] = [
  ':(glob)**/test/**',
  ':(glob)**/tests/**',
  ':(glob)**/__tests__/**',
  ':(glob)**/spec/**',
  ':(glob)**/*.test.*',
  ':(glob)**/*.spec.*',
  ':(glob)**/*_test.go',
  ':(glob)**/test_*.py',
  ':(glob)**/*_test.py',
];

export interface GradingScript {
  /** What the grading instance runs. */
  command: string[];
  nonce: string;
}

/** A setup the script reports as failed exits with this code (tests never ran). */
export const setupFailedExitCode = 97;

/** A fresh nonce for one grading attempt (recorded before its instance starts). */
export function newGradingNonce(): string {
  return randomBytes(6).toString('hex');
}

export function makeGradingScript(input: {
  /** The base commit the protected tests are restored from. */
  baseTip: string;
  /** Protected test files (git pathspecs). */
  tests: readonly string[];
  /**
   * Hidden tests' paths: the graded commit is then a grading commit (hidden-tests.ts), the
   * tip with them laid over; changes are listed against the tip (HEAD^), and they are put
   * back after the protected files are restored.
   */
  hiddenPaths?: readonly string[];
  setup: string | null;
  /** Optional checks run after the setup, before the tests; their exit codes go in the grade. */
  build?: string | null;
  lint?: string | null;
  test: string;
  /** The nonce of an attempt recorded before a restart; else a new one. */
  nonce?: string;
}): GradingScript {
  const nonce = input.nonce ?? newGradingNonce();
  const mark = `[corral-grade ${nonce}]`;
  const specs = quoteArgv(input.tests);
  const hidden = input.hiddenPaths ?? [];
  const graded = hidden.length ? ' HEAD^' : '';
  // No hooks, no filters, no pager: git here works on a contestant's files.
  const git = 'git -c core.hooksPath=/dev/null -c core.fsmonitor= -c core.pager=cat';
  const lines = [
    'set -u',
    `base=${quoteArgv([input.baseTip])}`,
    ...(input.tests.length
      ? [
          `${git} diff --no-renames --diff-filter=MDT --name-only "$base"${graded} -- ${specs} | sed 's/^/${mark} changed /'`,
          `echo '${mark} changed-end'`,
          `for spec in ${specs}; do ${git} checkout "$base" -- "$spec" >/dev/null 2>&1; done`,
        ]
      : [`echo '${mark} changed-end'`]),
    ...(hidden.length ? [`${git} checkout HEAD -- ${quoteArgv(hidden)} >/dev/null 2>&1`] : []),
    ...(input.setup === null
      ? []
      : [
          `( ${input.setup} ) </dev/null`,
          's=$?',
          `if [ "$s" != 0 ]; then echo "${mark} setup-exit $s"; exit ${setupFailedExitCode}; fi`,
        ]),
    `echo '${mark} setup-exit 0'`,
    ...check('build', input.build ?? null),
    ...check('lint', input.lint ?? null),
    `echo '${mark} tests-begin'`,
    `( ${input.test} ) </dev/null`,
    't=$?',
    `echo "${mark} test-exit $t"`,
    // Nothing of the grading run is kept: a tree as it was makes bring-back cheap.
    `${git} reset -q --hard >/dev/null 2>&1; ${git} clean -fdq >/dev/null 2>&1`,
    'exit $t',
  ];
  return { command: ['sh', '-c', lines.join('\n')], nonce };

  function check(name: string, command: string | null): string[] {
    if (command === null) return [];
    return [`( ${command} ) </dev/null`, `echo "${mark} ${name}-exit $?"`];
  }
}

export interface GradingOutput {
  /** Test files the contestant changed or deleted (as git names them), from the first list. */
  changedTests: string[];
  /** The setup's exit code (0 also when there was none); null when the script never said. */
  setupExit: number | null;
  /** The build's and the lint's exit codes; null when not asked for (or never reached). */
  buildExit: number | null;
  lintExit: number | null;
  /** Whether the test command ran to its end. */
  testsEnded: boolean;
  /** The test command's output alone: what came after the script said the tests begin. */
  testOutput: string;
}

/** Reads the script's own lines out of what the grading run printed. */
export function readGradingOutput(output: string, nonce: string): GradingOutput {
  const mark = `[corral-grade ${nonce}] `;
  const lines = output.split('\n');
  const changedTests: string[] = [];
  let listing = true;
  let setupExit: number | null = null;
  let buildExit: number | null = null;
  let lintExit: number | null = null;
  let testsLine = -1;
  let testsEnded = false;
  for (const [i, raw] of lines.entries()) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (!line.startsWith(mark)) continue;
    const said = line.slice(mark.length);
    if (listing && said.startsWith('changed ')) changedTests.push(said.slice('changed '.length));
    else if (said === 'changed-end') listing = false;
    else if (said.startsWith('setup-exit ')) {
      setupExit = Number(said.slice('setup-exit '.length));
      listing = false;
    } else if (said.startsWith('build-exit ')) buildExit = Number(said.slice('build-exit '.length));
    else if (said.startsWith('lint-exit ')) lintExit = Number(said.slice('lint-exit '.length));
    else if (said === 'tests-begin') testsLine = i;
    else if (said.startsWith('test-exit ')) testsEnded = true;
  }
  const testOutput = testsLine >= 0 ? lines.slice(testsLine + 1).join('\n') : '';
  return { changedTests, setupExit, buildExit, lintExit, testsEnded, testOutput };
}
