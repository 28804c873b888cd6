/**
 * What a finished grading instance comes to: a `GradingRun` (the parsed results, the test
 * command's exit code, what stopped it short) to be graded, or a note saying why the attempt
 * does not count (the sandbox ended before the grading script could say anything), which
 * the driver retries. A grading instance whose setup phase failed (SETUP_FAILED) is graded
 * `setup-failed`: no test ran. Which failures are the contestant's is gradeContestant's call.
 */
import { readTestResults } from '../../grading/index.js';
import type { Metadata } from '../../state/index.js';
import { readGradingOutput } from './grading-script.js';
import type { GradingRun } from './grading-run.js';

export type GradingReading = { kind: 'graded'; run: GradingRun } | { kind: 'retry'; note: string };

export function readGrading(meta: Metadata, output: string, nonce: string): GradingReading {
  const said = readGradingOutput(output, nonce);
  const read = () => readTestResults({ output: said.testOutput });
  if (meta.status === 'timed-out') {
    return { kind: 'graded', run: { report: read(), exitCode: null, failure: 'timed-out' } };
  }
  if (meta.failure?.code === 'SETUP_FAILED') {
    return { kind: 'graded', run: { report: null, exitCode: null, failure: 'setup-failed' } };
  }
  if (!said.began) {
    return {
      kind: 'retry',
      note: `the grading sandbox ended (${meta.status}, exit ${meta.exitCode ?? 'none'}) before its script began`,
    };
  }
  if (meta.exitCode === null) {
    return {
      kind: 'retry',
      note: `the grading sandbox ended (${meta.status}) while the tests ran`,
    };
  }
  return {
    kind: 'graded',
    run: {
      report: read(),
      exitCode: meta.exitCode,
      failure: null,
      checks: { build: said.buildExit, lint: said.lintExit },
    },
  };
}
