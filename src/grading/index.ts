/** Grading a battle's results: reading what a repository's own test command reported. */
export { readTestResults, type ResultFile, type TestRun } from './read-test-results.js';
export type {
  ClaimedCounts,
  ReadOptions,
  TestCase,
  TestCounts,
  TestReport,
  TestReportFormat,
  TestStatus,
} from './test-results.js';
export { parseJUnitXml } from './junit-xml.js';
export { parseTap } from './tap.js';
export { parseGoTestJson } from './go-test-json.js';
export { parseJestJson } from './jest-json.js';
export { parseCtrfJson } from './ctrf-json.js';
