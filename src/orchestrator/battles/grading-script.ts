/**
 * The command a grading sandbox runs, and how its output is read back. The sandbox starts
 * fresh on the grading commit (grading-commit.ts: the contestant's branch with its protected
 * tests restored and the hidden tests laid over, made host-side) and has run the setup as
 * its setup phase, with the setup's hosts and secrets (`--setup-env`), both gone before
 * this starts. The script runs the optional build and lint checks (their exit codes
 * reported), then the test command, whose exit code becomes the run's own.
 *
 * Its own lines carry a nonce (`[corral-grade <nonce>] …`). It says it began before any of
 * the contestant's code runs; each verdict is printed after its step ended, so the last
 * verdict is the script's. The nonce keeps the contestant's output from being read as the
 * script's by accident; code that reads it from /proc could print the script's lines, but
 * the run's exit code is still the test command's, and the grade compares with the base's
 * (grade.ts).
 */
import { randomBytes } from 'node:crypto';

export interface GradingScript {
  /** What the grading instance runs. */
  command: string[];
  nonce: string;
}

/** A fresh nonce for one grading attempt (recorded before its instance starts). */
export function newGradingNonce(): string {
  return randomBytes(6).toString('hex');
}

export function makeGradingScript(input: {
  /** Optional checks run before the tests; their exit codes go in the grade. */
  build?: string | null;
  lint?: string | null;
  test: string;
  /** The nonce of an attempt recorded before a restart; else a new one. */
  nonce?: string;
}): GradingScript {
  const nonce = input.nonce ?? newGradingNonce();
  const mark = `[corral-grade ${nonce}]`;
  // No hooks, no filters, no pager: git here works on a contestant's files.
  const git = 'git -c core.hooksPath=/dev/null -c core.fsmonitor= -c core.pager=cat';
  const lines = [
    'set -u',
    `echo '${mark} begin'`,
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
  /** Whether the script said it began (else the sandbox ended before it could). */
  began: boolean;
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
  let began = false;
  let buildExit: number | null = null;
  let lintExit: number | null = null;
  let testsLine = -1;
  let testsEnded = false;
  for (const [i, raw] of lines.entries()) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (!line.startsWith(mark)) continue;
    const said = line.slice(mark.length);
    if (said === 'begin') began = true;
    else if (said.startsWith('build-exit ')) buildExit = Number(said.slice('build-exit '.length));
    else if (said.startsWith('lint-exit ')) lintExit = Number(said.slice('lint-exit '.length));
    else if (said === 'tests-begin') testsLine = i;
    else if (said.startsWith('test-exit ')) testsEnded = true;
  }
  const testOutput = testsLine >= 0 ? lines.slice(testsLine + 1).join('\n') : '';
  return { began, buildExit, lintExit, testsEnded, testOutput };
}
