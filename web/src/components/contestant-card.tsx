/**
 * One contestant of a battle, as a card beside the others: its name and agent, where it has
 * got to, its instance (a link to the instance page, with its live status and elapsed time
 * while it runs), what it changed, and its grade once graded.
 */
import { contestantPhase } from '../lib/battle-view.js';
import { cleanText } from '../lib/clean-text.js';
import { formatDuration } from '../lib/format.js';
import type { InstanceRow } from '../lib/instances-store.js';
import { hrefs } from '../lib/route.js';
import type { ContestantState, Grade } from '../lib/types.js';
import { Elapsed } from './elapsed.js';
import { GradeBreakdown } from './grade-breakdown.js';
import { StatusBadge } from './status-badge.js';

export function ContestantCard({
  contestant: c,
  grade,
  rank,
  row,
}: {
  contestant: ContestantState;
  grade: Grade | null;
  rank: number | null;
  /** Its instance as the live feed has it, when listed there. */
  row: InstanceRow | undefined;
}) {
  const phase = contestantPhase(c, row?.meta.status ?? null);
  return (
    <article
      className={`contestant${rank === 1 ? ' first' : ''}`}
      data-contestant={c.name}
      data-phase={phase.word}
      aria-labelledby={`contestant-${c.name}`}
    >
      <header>
        <h2 id={`contestant-${c.name}`}>{cleanText(c.name)}</h2>
        {rank !== null && (
          <span className="rank" data-testid="rank" aria-label={`rank ${rank}`}>
            #{rank}
          </span>
        )}
      </header>
      <p className="muted small">
        {c.agent}
        {c.model ? ` · ${cleanText(c.model)}` : ''}
      </p>
      <dl className="facts">
        <dt>Status</dt>
        <dd data-testid="run-status">
          {phase.run ? <StatusBadge status={phase.run} /> : <span className="muted">waiting</span>}
        </dd>
        <dt>Instance</dt>
        <dd>{c.instanceId ? <a href={hrefs.instance(c.instanceId)}>{c.instanceId}</a> : '–'}</dd>
        <dt>Elapsed</dt>
        <dd>
          {row ? (
            <Elapsed meta={row.meta} />
          ) : c.run?.durationMs != null ? (
            formatDuration(c.run.durationMs)
          ) : (
            '–'
          )}
        </dd>
        <dt>Changed</dt>
        <dd>
          {c.work?.files === 0 ? (
            'nothing'
          ) : c.work ? (
            <>
              <span className="add">+{c.work.added}</span>{' '}
              <span className="del">−{c.work.deleted}</span>{' '}
              <span className="muted small">
                in {c.work.files} file{c.work.files === 1 ? '' : 's'}
              </span>
            </>
          ) : (
            '–'
          )}
        </dd>
        <dt>Progress</dt>
        <dd data-testid="phase">
          {phase.word}
          {phase.note && <span className="muted small"> ({cleanText(phase.note)})</span>}
        </dd>
      </dl>
      {grade && <GradeBreakdown grade={grade} />}
    </article>
  );
}
