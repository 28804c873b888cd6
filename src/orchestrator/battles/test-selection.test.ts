import { describe, expect, it } from 'vitest';
import { sampleReport } from './grading-run.fixture.js';
import { selectNamedTests, selectTests, testNameParts } from './test-selection.js';

const report = sampleReport({
  'test/report.test.ts > report > formats dates': 'failed',
  'test/report.test.ts > report > formats numbers': 'passed',
  'test/dates.test.ts > dates': 'passed',
  'tests/test_api.py::TestApi::test_get': 'passed',
  'test/other.test.ts > other > formats dates': 'passed',
});
const ids = (name: string): string[] => selectTests(report, name).map((test) => test.id);

describe('testNameParts', () => {
  it('splits at every runner separator and white space', () => {
    expect(testNameParts(' a › b > c::d/e  f ')).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
  });
});

describe('selectTests', () => {
  it('selects by exact id', () => {
    expect(ids('test/report.test.ts > report > formats dates')).toEqual([
      'test/report.test.ts > report > formats dates',
    ]);
  });

  it('selects by exact name, in every file that has it', () => {
    expect(ids('formats dates')).toEqual([
      'test/report.test.ts > report > formats dates',
      'test/other.test.ts > other > formats dates',
    ]);
  });

  it("selects by the id's trailing part, whatever the separator", () => {
    const wanted = ['test/report.test.ts > report > formats dates'];
    expect(ids('report › formats dates')).toEqual(wanted);
    expect(ids('report > formats dates')).toEqual(wanted);
    expect(ids('report::formats dates')).toEqual(wanted);
    expect(ids('report.test.ts/report/formats dates')).toEqual(wanted);
    expect(ids('TestApi::test_get')).toEqual(['tests/test_api.py::TestApi::test_get']);
  });

  it('prefers an exact name to a trailing match', () => {
    // `dates` is the name of one test and the tail of two others.
    expect(ids('dates')).toEqual(['test/dates.test.ts > dates']);
  });

  it('matches whole parts only, case-sensitively', () => {
    expect(ids('mats dates')).toEqual([]);
    expect(ids('Report › formats dates')).toEqual([]);
  });
});

describe('selectNamedTests', () => {
  it('returns each selected id once, in report order, and the names that selected nothing', () => {
    expect(
      selectNamedTests(report, ['formats numbers', 'report › formats dates', 'fromats dates']),
    ).toEqual({
      ids: [
        'test/report.test.ts > report > formats dates',
        'test/report.test.ts > report > formats numbers',
      ],
      unknown: ['fromats dates'],
    });
  });
});
