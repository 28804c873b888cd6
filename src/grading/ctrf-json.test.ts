/**
 * The CTRF reader over a report written to the CTRF 1.0.0 JSON schema (ctrf.io: `suite`
 * as a list, with the older single-string form too; statuses passed, failed, skipped,
 * pending and other), and over JSON that is not CTRF.
 */
import { describe, expect, it } from 'vitest';
import { fixture, statusesOf } from '../../test/fixtures/grading/fixtures.js';
import { parseCtrfJson } from './ctrf-json.js';

describe('parseCtrfJson', () => {
  it('reads tests, suites and files, and the summary as the claim', () => {
    const report = parseCtrfJson(fixture('ctrf.json'));
    expect(statusesOf(report)).toEqual([
      'passed tests/auth.spec.ts > auth > login > logs in',
      'passed tests/auth.spec.ts > auth > logs out',
      'failed tests/auth.spec.ts > auth > login > rejects a bad password',
      'skipped reports > exports a report',
      'skipped reports > imports a report',
      'errored prints red across lines',
    ]);
    expect(report?.tests[0]).toMatchObject({
      name: 'logs in',
      suite: 'auth > login',
      file: 'tests/auth.spec.ts',
      durationMs: 1200,
    });
    expect(report?.claimed).toEqual({
      source: 'ctrf-json',
      total: 6,
      passed: 2,
      failed: 1,
      skipped: 2,
      errored: 1,
    });
  });

  it('returns null for JSON that is not CTRF, or not JSON', () => {
    expect(parseCtrfJson('{"results": {"tests": "none"}}')).toBeNull();
    expect(parseCtrfJson('{"results": ')).toBeNull();
    expect(parseCtrfJson('[]')).toBeNull();
  });

  it('skips a test entry that is malformed and keeps the rest', () => {
    const doc = { results: { tests: [{ name: 'ok', status: 'passed' }, { status: 'failed' }, 7] } };
    expect(statusesOf(parseCtrfJson(JSON.stringify(doc)))).toEqual(['passed ok']);
  });
});
