/**
 * One contestant's section of the battle report, a `<details>` so the page needs no script to
 * fold it: how its run ended, its score part by part, its flags, the tests that ended
 * differently than on the base, the protected test files it changed, and its diff. A
 * contestant that was not graded shows why instead of a grade.
 */
import { formatDurationMs } from '../../lib/duration.js';
import { markup, type Html } from '../../lib/html.js';
import type { ContestantState } from './battle-record.js';
import type { GradingFile, RankedContestant } from './battle-results.js';
import {
  contestantLabel,
  costText,
  flagBadges,
  formatScore,
  fraction,
  whyNotGraded,
} from './battle-report-cells.js';
import { renderPatch } from './battle-report-patch.js';
import type { Grade } from './grade.js';
import { testStateChanges } from './test-state-changes.js';

/** How many changed tests a section lists; the rest are counted. */
export const listedTestChangesMax = 200;

export interface ContestantSection {
  /** Its place in the ranking, for the anchor the ranking table links to. */
  index: number;
  ranked: RankedContestant;
  contestant: ContestantState | undefined;
  grade: Grade | undefined;
  file: GradingFile | undefined;
  baseFile: GradingFile | undefined;
  changedTests: readonly string[];
  patch: string | undefined;
  open: boolean;
}

const knownStatuses = new Set(['passed', 'failed', 'skipped', 'errored']);

/** A status with its colour; the class comes from a fixed list, never from the file. */
function status(value: string | null): Html {
  if (value === null) return markup`<span class="st-absent">absent</span>`;
  const known = knownStatuses.has(value);
  return markup`<span class="${known ? `st-${value}` : 'st-absent'}">${value}</span>`;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

function runFacts(section: ContestantSection): Html {
  const c = section.contestant;
  const run = c?.run;
  const work = c?.work;
  const spent = c?.spent;
  const agent = c ? `${c.agent}${c.model === null ? '' : `, model ${c.model}`}` : 'unknown';
  const exit = run && run.exitCode !== null ? `, exit code ${run.exitCode}` : '';
  const duration = run?.durationMs == null ? '—' : formatDurationMs(run.durationMs);
  const changed = work ? `${plural(work.files, 'file')}, +${work.added} −${work.deleted}` : '—';
  const tokens = spent && spent.tokens > 0 ? ` (${spent.tokens.toLocaleString('en')} tokens)` : '';
  const attempts = c && c.grading.attempts > 1 ? ` after ${c.grading.attempts} attempts` : '';
  return markup`<dl class="facts">
<dt>Agent</dt><dd>${agent}</dd>
<dt>Run</dt><dd>${run ? run.status : 'not run'}${exit}, ${duration}</dd>
<dt>Branch</dt><dd><code>${run?.branch ?? '—'}</code></dd>
<dt>Changed</dt><dd>${changed}</dd>
<dt>Cost</dt><dd>${costText(c)}${tokens}</dd>
<dt>Transcript</dt><dd>${transcript(c)}</dd>
<dt>Grading</dt><dd>${c?.grading.outcome ?? 'not done'}${attempts}</dd>
<dt>Rank</dt><dd>${section.ranked.rank}: ${section.ranked.reason}</dd>
</dl>`;
}

/** What its run did, in one line (the whole transcript: `corral battle logs <battle> <name>`). */
function transcript(c: ContestantState | undefined): string {
  const s = c?.summary;
  if (!s) return '—';
  const parts = [plural(s.toolCalls, 'tool call')];
  if (s.denials.length) parts.push(`refused by its CLI: ${s.denials.join(', ')}`);
  if (s.egressDenied) parts.push(`${plural(s.egressDenied, 'connection')} denied`);
  if (s.modelCallsDenied) parts.push(`${plural(s.modelCallsDenied, 'model call')} refused`);
  if (s.unreachableHosts.length) parts.push(`could not reach ${s.unreachableHosts.join(', ')}`);
  return parts.join('; ');
}

function breakdown(grade: Grade): Html {
  const rows = grade.breakdown.map(
    (part) =>
      markup`<tr><td><code>${part.part}</code></td><td class="num">${part.weight.toFixed(2)}</td><td class="num">${part.value.toFixed(3)}</td><td class="num">${(part.weight * part.value).toFixed(3)}</td><td>${part.note}</td></tr>`,
  );
  return markup`<table>
<thead><tr><th>Part</th><th class="num">Weight</th><th class="num">Value</th><th class="num">Adds</th><th>Note</th></tr></thead>
<tbody>${rows}</tbody>
<tfoot><tr><th colspan="3">Score</th><th class="num">${formatScore(grade.score)}</th><th></th></tr></tfoot>
</table>`;
}

function flagList(grade: Grade): Html {
  if (grade.flags.length === 0) return markup`<p class="muted">None.</p>`;
  const items = grade.flags.map((flag) => markup`<li>${flagBadges([flag])} ${flag.message}</li>`);
  return markup`<ul class="flags">${items}</ul>`;
}

function testChanges(section: ContestantSection): Html {
  const branch = section.file?.run.report ?? null;
  if (branch === null) {
    return markup`<p class="note">Its grading run printed no test results that could be read.</p>`;
  }
  const changes = testStateChanges(section.baseFile?.run.report ?? null, branch);
  if (changes.length === 0) {
    return markup`<p class="muted">Every test ended as it did on the base.</p>`;
  }
  const rows = changes
    .slice(0, listedTestChangesMax)
    .map(
      (change) =>
        markup`<tr><td class="id">${change.id}</td><td class="nowrap">${status(change.base)} → ${status(change.branch)}</td></tr>`,
    );
  const more = changes.length - listedTestChangesMax;
  return markup`<div class="tests"><table>
<thead><tr><th>Test (${changes.length})</th><th>Base → branch</th></tr></thead>
<tbody>${rows}</tbody>
</table></div>${more > 0 ? markup`<p class="note">and ${more} more</p>` : null}`;
}

function changedTestFiles(files: readonly string[]): Html {
  if (files.length === 0) return markup`<p class="muted">None.</p>`;
  const items = files.map((file) => markup`<li><code>${file}</code></li>`);
  return markup`<ul class="flags">${items}</ul>`;
}

function graded(section: ContestantSection, grade: Grade): Html {
  return markup`<div class="columns">
<section><h3>Run</h3>${runFacts(section)}</section>
<section><h3>Score ${formatScore(grade.score)} · fail→pass ${fraction(grade.failToPass)} · pass→pass ${fraction(grade.passToPass)}</h3>${breakdown(grade)}</section>
</div>
<h3>Flags</h3>${flagList(grade)}
<h3>Tests that ended differently than on the base</h3>${testChanges(section)}
<h3>Protected test files it changed (restored before grading)</h3>${changedTestFiles(section.changedTests)}`;
}

function ungraded(section: ContestantSection, reason: string): Html {
  return markup`<div class="columns">
<section><h3>Run</h3>${runFacts(section)}</section>
<section><h3>Not graded</h3><p class="no-grade">${reason}</p></section>
</div>`;
}

export function renderContestantSection(section: ContestantSection, baseGraded: boolean): Html {
  const { ranked, grade } = section;
  const reason = whyNotGraded(section.contestant, grade, baseGraded);
  const gradeShown = reason === null ? grade : undefined;
  const headline = gradeShown
    ? `score ${formatScore(gradeShown.score)}, ${gradeShown.resolved ? 'resolved' : 'not resolved'}`
    : 'not graded';
  return markup`<details class="contestant" id="contestant-${section.index}"${section.open ? markup` open` : null}>
<summary>#${ranked.rank} ${contestantLabel(ranked.name, section.contestant)} <span class="muted small">— ${headline}</span></summary>
<div class="body">
${gradeShown ? graded(section, gradeShown) : ungraded(section, reason ?? '')}
<h3>Diff</h3>${renderPatch(section.patch)}
</div>
</details>`;
}
