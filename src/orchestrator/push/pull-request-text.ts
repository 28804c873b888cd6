/**
 * The title and body of the pull request opened for an instance's branch: the title is the
 * first line of the task (or of the branch's last commit), the body says what ran, how it
 * ended, what it cost and which instance made it (`Corral-Instance: <id>`, as in the
 * branch's commits).
 */
import { formatDurationMs } from '../../lib/duration.js';
import type { Metadata } from '../../state/index.js';

const maxTitleLength = 72;
const maxPromptLength = 4000;

function firstLine(text: string | null | undefined): string | null {
  const line = text
    ?.split('\n')
    .map((l) => l.trim())
    .find(Boolean);
  return line ?? null;
}

export function getPullRequestTitle(m: Metadata, commitSubject: string | null): string {
  const title = firstLine(m.prompt) ?? firstLine(commitSubject) ?? m.branch;
  return title.length <= maxTitleLength
    ? title
    : `${title.slice(0, maxTitleLength - 1).trimEnd()}…`;
}

function getStatusText(m: Metadata): string {
  if (m.exitCode !== null) return `${m.status} (exit code ${m.exitCode})`;
  if (m.signal) return `${m.status} (signal ${m.signal})`;
  return m.status;
}

function quote(text: string): string {
  const cut = text.length > maxPromptLength ? `${text.slice(0, maxPromptLength)}…` : text;
  return cut
    .split('\n')
    .map((l) => `> ${l}`.trimEnd())
    .join('\n');
}

export function getPullRequestBody(m: Metadata): string {
  const s = m.summary;
  const rows: Array<[string, string]> = [
    ['agent', m.agent],
    ['status', getStatusText(m)],
    ['duration', m.durationMs === null ? 'unknown' : formatDurationMs(m.durationMs)],
  ];
  if (s) {
    rows.push([
      'tokens',
      `${s.inputTokens} in, ${s.outputTokens} out, ${s.cacheReadTokens} cache read, ${s.cacheWriteTokens} cache write`,
    ]);
    rows.push(['cost', s.costUsd === null ? 'unknown' : `$${s.costUsd.toFixed(4)}`]);
    rows.push(['files changed', s.filesChanged === null ? 'unknown' : String(s.filesChanged)]);
  }
  rows.push(['branch', `\`${m.branch}\``]);
  const task = m.prompt
    ? `### Prompt\n\n${quote(m.prompt)}`
    : `### Command\n\n\`\`\`\n${m.command.join(' ').replace(/```/g, '`‍``')}\n\`\`\``;
  return (
    [
      `Opened by [corral](https://www.npmjs.com/package/corral) from instance \`${m.id}\`.`,
      rows.map(([k, v]) => `- **${k}:** ${v}`).join('\n'),
      task,
      `Corral-Instance: ${m.id}`,
    ].join('\n\n') + '\n'
  );
}
