/**
 * Every battle, live: its id, task, status, how many contestants, the winner once ranked,
 * and when it started and how long it took. Listed once, then each battle the joint stream
 * speaks of is fetched again (battle-hooks.ts). The task is the user's text, shown as text.
 */
import { BattleElapsed } from '../components/battle-elapsed.js';
import { BattleStatusBadge } from '../components/battle-status-badge.js';
import { useBattleList } from '../lib/battle-hooks.js';
import { taskSummary, winnerOf } from '../lib/battle-view.js';
import { cleanText } from '../lib/clean-text.js';
import { hrefs } from '../lib/route.js';
import type { BattleRecord } from '../lib/types.js';

export function BattlesPage() {
  const { battles, error } = useBattleList();
  const running = battles?.filter((b) => b.status === 'running').length ?? 0;
  return (
    <section aria-labelledby="battles-title">
      <div className="page-head">
        <h1 id="battles-title">Battles</h1>
        {battles && (
          <p className="muted">
            {battles.length} in all, {running} running
          </p>
        )}
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {battles === null ? (
        !error && <p className="muted">Loading…</p>
      ) : battles.length === 0 ? (
        <p className="muted">No battles yet. Start one with corral battle.</p>
      ) : (
        <div className="table-wrap">
          <table className="battles" data-testid="battles">
            <thead>
              <tr>
                <th scope="col">Status</th>
                <th scope="col">Battle</th>
                <th scope="col" className="num wide">
                  Contestants
                </th>
                <th scope="col">Winner</th>
                <th scope="col" className="wide">
                  Started
                </th>
                <th scope="col">Elapsed</th>
              </tr>
            </thead>
            <tbody>
              {battles.map((b) => (
                <BattleRow key={b.id} record={b} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function BattleRow({ record: b }: { record: BattleRecord }) {
  const winner = winnerOf(b);
  return (
    <tr data-id={b.id} data-status={b.status}>
      <td>
        <BattleStatusBadge status={b.status} />
      </td>
      <td className="name">
        <a href={hrefs.battle(b.id)}>{b.id}</a>
        <span className="muted small task"> {cleanText(taskSummary(b))}</span>
      </td>
      <td className="num wide">{b.contestants.length}</td>
      <td className="winner">{winner ? cleanText(winner) : '–'}</td>
      <td className="wide">{new Date(b.createdAt).toLocaleString()}</td>
      <td>
        <BattleElapsed record={b} />
      </td>
    </tr>
  );
}
