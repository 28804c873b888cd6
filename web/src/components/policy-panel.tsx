/**
 * The instance's egress policy (`GET /v1/instances/{id}/policy`): the hosts it may reach
 * (each with deny), the hosts it tried (refused ones with allow), and a field to allow a
 * new one. Changes go through `POST …/policy`, the same live edit as `corral allow`/`deny`.
 */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api, describeError } from '../lib/api.js';
import { cleanText } from '../lib/clean-text.js';
import type { PolicyInfo } from '../lib/types.js';

export function PolicyPanel({ id }: { id: string }) {
  const [info, setInfo] = useState<PolicyInfo | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [host, setHost] = useState('');
  const [busy, setBusy] = useState(false);
  const load = useCallback(() => {
    api.policy(id).then(
      (p) => {
        setInfo(p);
        setError(null);
      },
      (e: unknown) => setError(describeError(e)),
    );
  }, [id]);
  useEffect(load, [load]);

  const edit = async (change: 'allow' | 'deny', hosts: string[]) => {
    setBusy(true);
    try {
      setInfo(await api.editPolicy(id, change, hosts));
      setError(null);
      if (change === 'allow') setHost('');
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (host.trim()) void edit('allow', [host.trim()]);
  };

  return (
    <div className="policy" data-testid="policy">
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {info && (
        <>
          <p className="muted small">
            Network:{' '}
            {info.metadata.network === 'none' ? 'none (no egress at all)' : 'through the allowlist'}
          </p>
          <h3>Allowed hosts</h3>
          {info.policy.allow.length === 0 ? (
            <p className="muted">Nothing: every connection is refused.</p>
          ) : (
            <ul className="hosts">
              {info.policy.allow.map((h) => (
                <li key={h}>
                  <code>{h}</code>
                  <button type="button" disabled={busy} onClick={() => void edit('deny', [h])}>
                    Deny
                  </button>
                </li>
              ))}
            </ul>
          )}
          <form className="row" onSubmit={submit}>
            <label htmlFor={`allow-${id}`}>Allow a host</label>
            <input
              id={`allow-${id}`}
              value={host}
              placeholder="registry.npmjs.org or *.example.com:443"
              onChange={(e) => setHost(e.target.value)}
            />
            <button type="submit" disabled={busy || !host.trim()}>
              Allow
            </button>
          </form>
          <h3>Tried</h3>
          {info.tried.length === 0 ? (
            <p className="muted">No connection attempts recorded.</p>
          ) : (
            <ul className="hosts">
              {info.tried.map((t) => (
                <li key={`${t.host}:${t.port}`} className={t.allowed ? '' : 'bad'}>
                  <code>
                    {cleanText(t.host)}:{t.port}
                  </code>{' '}
                  {t.allowed ? 'allowed' : 'denied'} ×{t.count}
                  {t.reason && <span className="muted"> ({cleanText(t.reason)})</span>}
                  {!t.allowed && (
                    <button
                      type="button"
                      disabled={busy}
                      onClick={() => void edit('allow', [cleanText(t.host)])}
                    >
                      Allow
                    </button>
                  )}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </div>
  );
}
