/**
 * One battle, live: its contestants side by side (each a card: status, instance, elapsed,
 * its grade and the grade's breakdown as they arrive), the ranking filling in as gradings
 * end (final once the battle is ranked), the base's grade, and the merge. Its record and
 * results are loaded again on each of its events (battle-hooks.ts); the contestants' live
 * status and times come from the instances store.
 */
import { BattleElapsed } from '../components/battle-elapsed.js';
import { BattleStatusBadge } from '../components/battle-status-badge.js';
import { ContestantCard } from '../components/contestant-card.js';
import { MergePanel } from '../components/merge-panel.js';
import { NotLoaded } from '../components/not-loaded.js';
import { useBattle } from '../lib/battle-hooks.js';
import { rankingToShow, winnerOf } from '../lib/battle-view.js';
import { cleanText } from '../lib/clean-text.js';
import { useInstanceRows } from '../lib/hooks.js';
import { hrefs } from '../lib/route.js';
import type { BattleRecord, BattleResults } from '../lib/types.js';

export function BattlePage({ id }: { id: string }) {
  const { record, results, error, reload } = useBattle(id);
  const rows = useInstanceRows();
  if (!record) {
    return <NotLoaded back={{ href: hrefs.battles, label: 'Battles' }} id={id} error={error} />;
  }
  const ranking = rankingToShow(record, results);
  const rankOf = new Map(ranking.rows.map((r) => [r.name, r.rank]));
  return (
    <section aria-labelledby="battle-title" className="battle">
      <p>
        <a href={hrefs.battles}>← Battles</a>
      </p>
      <div className="page-head">
        <h1 id="battle-title">{record.id}</h1>
        <BattleStatusBadge status={record.status} />
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <dl className="facts">
        <dt>Repository</dt>
        <dd>
          <code>{cleanText(record.repoDir)}</code>
          {record.startBranch && (
            <>
              {' '}
              on <code>{cleanText(record.startBranch)}</code>
            </>
          )}
        </dd>
        <dt>Tests</dt>
        <dd>
          <code>{cleanText(record.spec.test)}</code>
        </dd>
        <dt>Elapsed</dt>
        <dd>
          <BattleElapsed record={record} />
        </dd>
        {record.budgetReached && (
          <>
            <dt>Budget</dt>
            <dd className="warn">{cleanText(record.budgetReached)} reached</dd>
          </>
        )}
      </dl>
      {record.spec.prompt && (
        <details className="prompt">
          <summary>Task</summary>
          <pre>{cleanText(record.spec.prompt)}</pre>
        </details>
      )}
      <div className="contestants" data-testid="contestants">
        {record.contestants.map((c) => (
          <ContestantCard
            key={c.name}
            contestant={c}
            grade={results?.grades[c.name] ?? null}
            rank={rankOf.get(c.name) ?? null}
            row={c.instanceId ? rows.find((r) => r.meta.id === c.instanceId) : undefined}
          />
        ))}
      </div>
      <div className="battle-results">
        <Ranking final={ranking.final} rows={ranking.rows} />
        <BaseGrade record={record} results={results} />
      </div>
      <MergePanel record={record} winner={winnerOf(record)} onMerged={reload} />
    </section>
  );
}

function Ranking({ final, rows }: ReturnType<typeof rankingToShow>) {
  return (
    <section aria-labelledby="ranking-title" className="ranking" data-final={final}>
      <h2 id="ranking-title">
        Ranking <span className="muted small">{final ? 'final' : 'so far, as grades arrive'}</span>
      </h2>
      {rows.length === 0 ? (
        <p className="muted">No contestant graded yet.</p>
      ) : (
        <ol data-testid="ranking">
          {rows.map((r) => (
            <li key={r.name} data-name={r.name}>
              <span className="rank">#{r.rank}</span> <strong>{cleanText(r.name)}</strong>
              {/* Until every grade is in, the reason would compare with the ungraded. */}
              {final && <span className="muted small"> {cleanText(r.reason)}</span>}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

function BaseGrade({ record, results }: { record: BattleRecord; results: BattleResults | null }) {
  const base = results?.base ?? null;
  const g = record.baseGrading;
  return (
    <section aria-labelledby="base-title" className="base-grade" data-testid="base-grade">
      <h2 id="base-title">
        Base <span className="muted small">{record.base ? record.base.slice(0, 12) : ''}</span>
      </h2>
      {base ? (
        <p>
          {base.counts
            ? `${base.counts.passed} passed, ${base.counts.failed} failed, ${base.counts.skipped} skipped, ${base.counts.errored} errored`
            : 'no test results'}
          <span className="muted small">
            {' '}
            (exit {base.exitCode ?? '–'}
            {base.failure ? `, ${base.failure}` : ''})
          </span>
        </p>
      ) : (
        <p className="muted">
          {g.outcome === null ? (g.instanceId ? 'grading…' : 'not graded yet') : g.outcome}
          {g.note ? ` (${cleanText(g.note)})` : ''}
        </p>
      )}
    </section>
  );
}
