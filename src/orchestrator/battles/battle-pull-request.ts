/**
 * The title and body of the pull request `battle merge --pr` opens for a contestant's
 * branch: the task as the title, and as the body its grade (resolved, the test sets, the
 * score with its breakdown, the flags), the ranking, and which battle made it
 * (`Corral-Battle: <id>`). Test names, flag messages and contestant names come from the
 * contestants' branches: they go inside a fenced block, whose fence is longer than any run
 * of backticks in it, so none of it renders as Markdown (links, images, mentions).
 */
import type { BattleRecord } from './battle-record.js';
import type { BattleResults } from './battle-results.js';

const maxTitleLength = 72;

export function battlePullRequestText(
  record: BattleRecord,
  results: BattleResults,
  name: string,
): { title: string; body: string } {
  const task = record.spec.prompt
    ?.split('\n')
    .find((l) => l.trim())
    ?.trim();
  const raw = task ?? `${record.id}: the work of ${name}`;
  const title = raw.length <= maxTitleLength ? raw : `${raw.slice(0, maxTitleLength - 1)}…`;
  const grade = results.grades.get(name) ?? null;
  const place = results.ranked.find((r) => r.name === name);
  const lines: string[] = [];
  lines.push(
    place ? `ranked ${place.rank} of ${results.ranked.length}: ${place.reason}` : 'not ranked',
  );
  if (grade) {
    lines.push(`resolved: ${grade.resolved ? 'yes' : 'no'}`);
    lines.push(`fail-to-pass: ${grade.failToPass.passed}/${grade.failToPass.total}`);
    lines.push(`pass-to-pass: ${grade.passToPass.passed}/${grade.passToPass.total}`);
    lines.push(`score: ${grade.score.toFixed(3)}`);
    for (const part of grade.breakdown) {
      lines.push(`  ${part.part}: ${part.weight} × ${part.value.toFixed(3)} (${part.note})`);
    }
    for (const flag of grade.flags) lines.push(`flag ${flag.code}: ${flag.message}`);
    if (grade.failToPass.failing.length) {
      lines.push(`still failing: ${grade.failToPass.failing.join(', ')}`);
    }
    if (grade.passToPass.broken.length) {
      lines.push(`broken: ${grade.passToPass.broken.join(', ')}`);
    }
  } else {
    lines.push('not graded');
  }
  lines.push('', 'ranking:');
  for (const r of results.ranked) lines.push(`  ${r.rank}. ${r.name}: ${r.reason}`);
  const text = lines.join('\n');
  const longestTicks = Math.max(0, ...(text.match(/`+/g) ?? []).map((t) => t.length));
  const fence = '`'.repeat(Math.max(3, longestTicks + 1));
  const body = [
    `The work of contestant ${code(name)} in battle ${code(record.id)}, graded by`,
    `${code(record.spec.test)} in a fresh sandbox against the base ${code(record.base ?? '?')}.`,
    '',
    `${fence}text`,
    text,
    fence,
    '',
    `Corral-Battle: ${record.id}`,
  ].join('\n');
  return { title, body };
}

/** Inline code whose delimiters no backtick run inside can close. */
function code(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((t) => t.length));
  const ticks = '`'.repeat(longest + 1);
  return `${ticks} ${text.replace(/\n/g, ' ')} ${ticks}`;
}
