/**
 * Everything agents are waiting for a person to answer (`GET /v1/requests`), with approve
 * and reject (a reason is optional, the agent can read it). Listed again whenever the joint
 * stream says a request opened or was answered. The agent's name and reason are text.
 */
import { useCallback, useEffect, useState } from 'react';
import { api, describeError } from '../lib/api.js';
import { cleanText } from '../lib/clean-text.js';
import { useFeedEvents } from '../lib/hooks.js';
import { hrefs } from '../lib/route.js';
import type { CorralEvent, InstanceRequest } from '../lib/types.js';

export function RequestsPage() {
  const [all, setAll] = useState(false);
  const [requests, setRequests] = useState<InstanceRequest[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(() => {
    api.listRequests(all).then(
      (r) => {
        setRequests(r);
        setError(null);
      },
      (e: unknown) => setError(describeError(e)),
    );
  }, [all]);
  useEffect(load, [load]);
  useFeedEvents(
    useCallback(
      (event: CorralEvent) => {
        if (event.type === 'request.opened' || event.type === 'request.answered') load();
      },
      [load],
    ),
  );

  return (
    <section aria-labelledby="requests-title">
      <div className="page-head">
        <h1 id="requests-title">Requests</h1>
        <label className="inline">
          <input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} /> show
          answered ones too
        </label>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {requests === null ? (
        <p className="muted">Loading…</p>
      ) : requests.length === 0 ? (
        <p className="muted">No agent is waiting for an answer.</p>
      ) : (
        <ul className="requests" data-testid="requests">
          {requests.map((r) => (
            <RequestItem key={`${r.id}:${r.n}`} request={r} onAnswered={load} />
          ))}
        </ul>
      )}
    </section>
  );
}

function RequestItem({
  request: r,
  onAnswered,
}: {
  request: InstanceRequest;
  onAnswered: () => void;
}) {
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const answer = async (approve: boolean) => {
    setBusy(true);
    setError(null);
    try {
      if (approve) await api.approve(r.id, r.n);
      else await api.reject(r.id, r.n, reason.trim() || null);
      onAnswered();
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <li className="request-card" data-request={`${r.id}:${r.n}`}>
      <p>
        <a href={hrefs.instance(r.id)}>{r.id}</a> asks for a {r.kind}{' '}
        <code>{cleanText(r.name)}</code>{' '}
        <span className="muted small">
          (request {r.n}, {new Date(r.ts).toLocaleString()})
        </span>
      </p>
      <blockquote>{cleanText(r.why)}</blockquote>
      {r.status === 'pending' ? (
        <div className="row">
          <button
            type="button"
            className="approve"
            disabled={busy}
            onClick={() => void answer(true)}
          >
            Approve
          </button>
          <input
            aria-label={`reason to reject request ${r.n} of ${r.id}`}
            placeholder="reason (optional)"
            value={reason}
            onChange={(e) => setReason(e.target.value)}
          />
          <button
            type="button"
            className="danger"
            disabled={busy}
            onClick={() => void answer(false)}
          >
            Reject
          </button>
        </div>
      ) : (
        <p className={r.status === 'approved' ? 'ok' : 'bad'}>
          {r.status}
          {r.answer?.reason ? `: ${cleanText(r.answer.reason)}` : ''}
        </p>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </li>
  );
}
