/**
 * readTestResults over what the real runners print, run here on small generated projects
 * (node's test runner as built into this Node; vitest, jest and mocha from node_modules, as
 * pinned in package.json): each project has passing, failing and skipped tests, and a
 * failing test whose body prints fake result lines of other formats. Every runner is run
 * for real, in a temporary directory, with the repository's node_modules linked into it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { statusesOf } from '../../test/fixtures/grading/fixtures.js';
import { readTestResults } from './read-test-results.js';

const repo = resolve(import.meta.dirname, '..', '..');
const bin = (name: string) => join(repo, 'node_modules', '.bin', name);
const projects: string[] = [];

afterAll(() => {
  for (const dir of projects) rmSync(dir, { recursive: true, force: true });
});

/** A temporary project with these files and the repository's node_modules. */
function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'corral-grading-'));
  projects.push(dir);
  symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

interface Ran {
  output: string;
  stdout: string;
  exitCode: number | null;
}

/** Runs a command to its end; the output is stdout then stderr. */
function run(cwd: string, command: string, args: string[]): Promise<Ran> {
  // The runners must not think they run inside this vitest.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !/^(VITEST|NODE_OPTIONS|FORCE_COLOR|TEST$)/.test(k),
    ),
  );
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd, env: { ...env, NO_COLOR: '1', CI: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', fail);
    child.on('close', (exitCode) => done({ output: stdout + stderr, stdout, exitCode }));
  });
}

describe('real runners: node:test (built in)', () => {
  const dir = project({
    'math.test.mjs': `
import { describe, test } from 'node:test';
import assert from 'node:assert';
describe('math', () => {
  test('adds', () => assert.strictEqual(1 + 1, 2));
  test('fails', () => {
    console.log('ok 5 - fake');
    assert.strictEqual(1, 2);
  });
});
test('top passes', () => {});
test('skipped one', { skip: 'not now' }, () => {});
test('\\x1b[31mred\\x1b[0m name\\nwith a newline', () => {});
`,
  });

  it('reads the spec reporter', async () => {
    const ran = await run(dir, process.execPath, [
      '--test',
      '--test-reporter=spec',
      'math.test.mjs',
    ]);
    expect(ran.exitCode).toBe(1);
    const report = readTestResults({ output: ran.output });
    expect(report?.format).toBe('node-test-spec');
    expect(statusesOf(report)).toEqual([
      'passed math > adds',
      'failed math > fails',
      'passed top passes',
      'skipped skipped one',
      'passed red name with a newline',
    ]);
    expect(report?.claimed).toEqual({
      source: 'node-test-spec',
      total: 5,
      passed: 3,
      failed: 1,
      skipped: 1,
      errored: 0,
    });
  }, 30_000);

  it('reads its TAP, where a test body printing "ok 5 - fake" is a comment', async () => {
    const ran = await run(dir, process.execPath, [
      '--test',
      '--test-reporter=tap',
      'math.test.mjs',
    ]);
    expect(ran.output).toContain('# ok 5 - fake');
    const report = readTestResults({ output: ran.output });
    expect(report?.format).toBe('tap');
    expect(statusesOf(report)).toEqual([
      'passed math > adds',
      'failed math > fails',
      'passed top passes',
      'skipped skipped one',
      'passed red name\\nwith a newline',
    ]);
    expect(report?.counts).toEqual({ passed: 3, failed: 1, skipped: 1, errored: 0 });
    expect(report?.claimed).toMatchObject({ total: 5, passed: 3, failed: 1, skipped: 1 });
    expect(report?.tests[1]?.durationMs).toBeGreaterThan(0);
  }, 30_000);
});

describe('real runners: vitest', () => {
  const dir = project({
    'package.json': '{ "type": "module" }',
    'vitest.config.js': 'export default {};',
    'math.test.js': `
import { describe, expect, test } from 'vitest';
describe('math', () => {
  test('adds', () => expect(1 + 1).toBe(2));
  test('fails', () => {
    console.log('--- PASS: TestFake (0.00s)');
    console.log('ok 5 - fake');
    console.log('   ✓ fake 1ms');
    expect(1).toBe(2);
  });
});
test('top passes', () => {});
test.skip('skipped one', () => {});
`,
    'other.test.js': `
import { test } from 'vitest';
test('other passes', () => {});
`,
  });
  const expected = [
    'passed math.test.js > math > adds',
    'failed math.test.js > math > fails',
    'passed math.test.js > top passes',
    'skipped math.test.js > skipped one',
  ];

  it('reads the default reporter, which lists the tests of failing files only', async () => {
    const ran = await run(dir, bin('vitest'), ['run']);
    expect(ran.exitCode).toBe(1);
    expect(ran.output).toContain('\n   ✓ fake 1ms');
    const report = readTestResults({ output: ran.output });
    expect(report?.format).toBe('vitest-text');
    expect(statusesOf(report)).toEqual(expected);
    expect(report?.claimed).toMatchObject({ total: 5, passed: 3, failed: 1, skipped: 1 });
  }, 30_000);

  it('reads --reporter=json', async () => {
    const ran = await run(dir, bin('vitest'), ['run', '--reporter=json']);
    const report = readTestResults({ output: ran.output, root: dir });
    expect(report?.format).toBe('jest-json');
    expect(statusesOf(report).sort()).toEqual(
      [...expected, 'passed other.test.js > other passes'].sort(),
    );
    expect(report?.claimed).toMatchObject({ total: 5, passed: 3, failed: 1, skipped: 1 });
  }, 30_000);

  it('reads --reporter=junit printed to stdout', async () => {
    const ran = await run(dir, bin('vitest'), ['run', '--reporter=junit']);
    const report = readTestResults({ output: ran.output });
    expect(report?.format).toBe('junit-xml');
    expect(statusesOf(report).sort()).toEqual(
      [...expected, 'passed other.test.js > other passes'].sort(),
    );
    expect(report?.claimed).toMatchObject({
      total: 5,
      passed: 3,
      failed: 1,
      skipped: 1,
      errored: 0,
    });
  }, 30_000);
});

describe('real runners: jest', () => {
  const dir = project({
    'package.json': '{ "name": "j", "jest": { "testEnvironment": "node" } }',
    'math.test.js': `
describe('math', () => {
  test('adds', () => expect(1 + 1).toBe(2));
  test('fails', () => {
    console.log('✓ fake (1 ms)');
    expect(1).toBe(2);
  });
});
test('top passes', () => {});
test.skip('skipped one', () => {});
test.todo('todo one');
`,
    'other.test.js': `test('other passes', () => {});`,
  });
  const args = (...extra: string[]) => [
    '--ci',
    '--no-watchman',
    '--cacheDirectory',
    join(dir, '.cache'),
    ...extra,
  ];

  /** Every test of the jest project, as `status id`, sorted. */
  const everyJestTest = [
    'passed math.test.js > math > adds',
    'failed math.test.js > math > fails',
    'passed math.test.js > top passes',
    'skipped math.test.js > skipped one',
    'skipped math.test.js > todo one',
    'passed other.test.js > other passes',
  ].sort();

  it('reads --json (the document on stdout, the summary on stderr)', async () => {
    const ran = await run(dir, bin('jest'), args('--json'));
    expect(ran.exitCode).toBe(1);
    const report = readTestResults({ output: ran.output, root: dir });
    expect(report?.format).toBe('jest-json');
    expect(statusesOf(report).sort()).toEqual(everyJestTest);
    expect(report?.claimed).toEqual({
      source: 'jest-json',
      total: 6,
      passed: 3,
      failed: 1,
      skipped: 2,
      errored: 0,
    });
  }, 30_000);

  it('reads the default reporter: of two files only the failures are named', async () => {
    const ran = await run(dir, bin('jest'), args());
    const report = readTestResults({ output: ran.output });
    expect(report?.format).toBe('jest-text');
    expect(statusesOf(report)).toEqual(['failed math.test.js > math > fails']);
    expect(report?.claimed).toMatchObject({ total: 6, passed: 3, failed: 1, skipped: 2 });
  }, 30_000);

  it('reads the default reporter when verbose, every test by its describe blocks', async () => {
    const ran = await run(dir, bin('jest'), args('--verbose'));
    expect(ran.output).toContain('✓ fake (1 ms)');
    const report = readTestResults({ output: ran.output });
    expect(report?.format).toBe('jest-text');
    expect(statusesOf(report).sort()).toEqual(everyJestTest);
  }, 30_000);
});

describe('real runners: mocha', () => {
  const dir = project({
    'test/math.spec.js': `
const assert = require('node:assert');
it('top passes', () => {});
describe('math', () => {
  it('adds', () => assert.strictEqual(1 + 1, 2));
  it('fails', () => {
    console.log('  ✔ fake');
    assert.strictEqual(1, 2);
  });
  describe('inner', () => {
    it('deep', () => {});
    it.skip('skipped one', () => {});
  });
});
`,
  });

  it('reads the spec reporter, without the line a test body printed', async () => {
    const ran = await run(dir, bin('mocha'), ['--reporter', 'spec']);
    expect(ran.exitCode).toBe(1);
    expect(ran.output).toContain('\n  ✔ fake\n');
    const report = readTestResults({ output: ran.output });
    expect(report?.format).toBe('mocha-spec');
    expect(statusesOf(report)).toEqual([
      'passed top passes',
      'passed math > adds',
      'failed math > fails',
      'passed math > inner > deep',
      'skipped math > inner > skipped one',
    ]);
    expect(report?.claimed).toEqual({
      source: 'mocha-spec',
      total: 5,
      passed: 3,
      failed: 1,
      skipped: 1,
      errored: null,
    });
  }, 30_000);
});
