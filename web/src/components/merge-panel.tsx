/**
 * A graded battle's merge: the winner (or the contestant chosen) merged where the battle
 * started (`POST /v1/battles/{id}/merge`; the others' branches archived), and what it did or
 * why it could not, as text. Once merged, what was merged and when.
 */
import { useState } from 'react';
import { api, describeError } from '../lib/api.js';
import { cleanText } from '../lib/clean-text.js';
import type { BattleRecord, MergeBattleResult } from '../lib/types.js';

export function MergePanel({
  record,
  winner,
  onMerged,
}: {
  record: BattleRecord;
  winner: string | null;
  onMerged: () => void;
}) {
  const [choice, setChoice] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<MergeBattleResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const merged = record.merged;

  const merge = async () => {
    setBusy(true);
    setError(null);
    try {
      setResult(await api.mergeBattle(record.id, choice || null));
      onMerged();
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="actions merge" aria-labelledby="merge-title">
      <h2 id="merge-title">Merge</h2>
      {merged ? (
        <p className="ok" data-testid="merged">
          Merged {cleanText(merged.contestant)} into <code>{cleanText(merged.into)}</code> (
          {merged.how}, commit <code>{merged.commit.slice(0, 12)}</code>) on{' '}
          {new Date(merged.at).toLocaleString()}.
        </p>
      ) : record.status !== 'graded' ? (
        <p className="muted">Once every contestant is graded, the winner can be merged here.</p>
      ) : (
        <div className="row">
          <label>
            <span className="muted">Contestant </span>
            <select value={choice} onChange={(e) => setChoice(e.target.value)}>
              <option value="">the winner{winner ? ` (${cleanText(winner)})` : ''}</option>
              {record.contestants.map((c) => (
                <option key={c.name} value={c.name}>
                  {cleanText(c.name)}
                </option>
              ))}
            </select>
          </label>
          <button type="button" className="approve" disabled={busy} onClick={() => void merge()}>
            Merge into {cleanText(record.startBranch ?? 'the start branch')}
          </button>
        </div>
      )}
      {result && (
        <p data-testid="merge-result">
          {cleanText(result.contestant)}’s branch <code>{cleanText(result.branch)}</code> went into{' '}
          <code>{cleanText(result.into)}</code> ({result.how}, commit{' '}
          <code>{result.commit.slice(0, 12)}</code>).
          {result.others.length > 0 &&
            ` The others: ${result.others
              .map((o) => `${o.name} ${o.to ? `archived as ${o.to}` : 'deleted'}`)
              .map(cleanText)
              .join(', ')}.`}
        </p>
      )}
      {error && (
        <p className="error" role="alert" data-testid="merge-error">
          {error}
        </p>
      )}
    </section>
  );
}
