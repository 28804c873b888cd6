/**
 * The `go test -json` reader over what go 1.19.8 printed (recorded by
 * test/fixtures/grading/record.sh, stdout and stderr together): a package that does not
 * build, a test body that prints `--- PASS: TestFake (0.00s)` (which Go before 1.20 turns
 * into a `pass` event of a test that never ran), subtests, a skip.
 */
import { describe, expect, it } from 'vitest';
import { fixture, statusesOf } from '../../test/fixtures/grading/fixtures.js';
import { parseGoTestJson } from './go-test-json.js';

describe('parseGoTestJson', () => {
  it('reads the events of real go test -json, without the test that never ran', () => {
    const report = parseGoTestJson(fixture('go-test-json.txt'));
    expect(statusesOf(report)).toEqual([
      'passed example.com/demo/calc > TestAdd',
      'failed example.com/demo/calc > TestFails',
      'skipped example.com/demo/calc > TestSkipped',
      'passed example.com/demo/calc > TestTable/one_plus_one',
      'failed example.com/demo/calc > TestTable/wrong',
      'failed example.com/demo/calc > TestTable',
      'errored example.com/demo/broken',
    ]);
    expect(report?.counts).toEqual({ passed: 2, failed: 3, skipped: 1, errored: 1 });
    expect(report?.claimed).toBeNull();
    expect(report?.tests[0]).toMatchObject({ suite: 'example.com/demo/calc', durationMs: 0 });
  });

  it('reads the build failure event newer Go writes', () => {
    const events = [
      { Action: 'start', Package: 'x/broken' },
      { Action: 'fail', Package: 'x/broken', Elapsed: 0, FailedBuild: 'x/broken [x/broken.test]' },
    ];
    const report = parseGoTestJson(events.map((e) => JSON.stringify(e)).join('\n'));
    expect(statusesOf(report)).toEqual(['errored x/broken']);
  });

  it('skips lines that are not events, and returns null when there are none', () => {
    expect(parseGoTestJson('{"Action": 1}\n{not json\n[]\n')).toBeNull();
    expect(parseGoTestJson('')).toBeNull();
  });
});
