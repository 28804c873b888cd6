/**
 * Every instance, live: the table the joint event stream keeps current, row by row, with a
 * text filter (id, name, agent, branch, prompt) and a status filter. Each row is its own
 * memoised component, so an event re-renders one row, not fifty. The lines a run changed
 * (`+N −M`) come with its record: counted once when it ends (its summary's numstat, see
 * run-summary.ts), so fifty rows cost no diff at all. On a phone the minor columns (tokens
 * and cost among them) give way to it.
 */
import { memo, useDeferredValue, useMemo, useState } from 'react';
import { Elapsed } from '../components/elapsed.js';
import { StatusBadge } from '../components/status-badge.js';
import { cleanText } from '../lib/clean-text.js';
import { formatTokens, formatUsd } from '../lib/format.js';
import { useFeed, useInstanceRows } from '../lib/hooks.js';
import { usageOf, type InstanceRow } from '../lib/instances-store.js';
import { hrefs } from '../lib/route.js';
import { isEndedStatus, statuses, type InstanceStatus, type Metadata } from '../lib/types.js';

type StatusFilter = 'all' | 'active' | 'ended' | InstanceStatus;

function matchesStatus(status: InstanceStatus, filter: StatusFilter): boolean {
  if (filter === 'all') return true;
  if (filter === 'active') return !isEndedStatus(status);
  if (filter === 'ended') return isEndedStatus(status);
  return status === filter;
}

function matchesText(row: InstanceRow, text: string): boolean {
  if (!text) return true;
  const m = row.meta;
  return [m.id, m.name ?? '', m.agent, m.branch, m.prompt ?? '', m.status]
    .join('\n')
    .toLowerCase()
    .includes(text);
}

export function InstancesPage() {
  const feed = useFeed();
  const rows = useInstanceRows();
  const [text, setText] = useState('');
  const [status, setStatus] = useState<StatusFilter>('all');
  const query = useDeferredValue(text.trim().toLowerCase());
  const shown = useMemo(
    () => rows.filter((r) => matchesStatus(r.meta.status, status) && matchesText(r, query)),
    [rows, status, query],
  );
  const running = rows.filter((r) => r.meta.status === 'running').length;
  return (
    <section aria-labelledby="instances-title">
      <div className="page-head">
        <h1 id="instances-title">Instances</h1>
        <p className="muted">
          {rows.length} in all, {running} running
        </p>
      </div>
      <div className="filters" role="search">
        <label>
          <span>Filter</span>
          <input
            type="search"
            value={text}
            placeholder="id, name, agent, branch, prompt"
            onChange={(e) => setText(e.target.value)}
          />
        </label>
        <label>
          <span>Status</span>
          <select value={status} onChange={(e) => setStatus(e.target.value as StatusFilter)}>
            <option value="all">all</option>
            <option value="active">active</option>
            <option value="ended">ended</option>
            {statuses.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
      </div>
      {feed.loadError && (
        <p className="error" role="alert">
          {feed.loadError}
        </p>
      )}
      {!feed.instances.loaded ? (
        <p className="muted">Loading…</p>
      ) : shown.length === 0 ? (
        <p className="muted">
          {rows.length === 0
            ? 'No instances yet. Start one with corral run.'
            : 'No instance matches the filter.'}
        </p>
      ) : (
        <div className="table-wrap">
          <table className="instances" data-testid="instances">
            <thead>
              <tr>
                <th scope="col">Status</th>
                <th scope="col">Instance</th>
                <th scope="col" className="wide">
                  Agent
                </th>
                <th scope="col">Elapsed</th>
                <th scope="col" className="num wide">
                  Tokens
                </th>
                <th scope="col" className="num wide">
                  Cost
                </th>
                <th scope="col" className="num">
                  Changed
                </th>
                <th scope="col" className="num wide">
                  Denied
                </th>
                <th scope="col" className="num">
                  Requests
                </th>
              </tr>
            </thead>
            <tbody>
              {shown.map((row) => (
                <Row key={row.meta.id} row={row} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** `+N −M` lines (and, on a wide screen, in how many files), once the run has ended. */
function LinesChanged({ summary: s }: { summary: Metadata['summary'] }) {
  if (!s || s.filesChanged === null) return <>–</>;
  const files = `${s.filesChanged} file${s.filesChanged === 1 ? '' : 's'}`;
  if (s.linesAdded === null || s.linesDeleted === null) return <>{files}</>;
  return (
    <span title={files}>
      <span className="add">+{s.linesAdded}</span> <span className="del">−{s.linesDeleted}</span>
    </span>
  );
}

const Row = memo(function Row({ row }: { row: InstanceRow }) {
  const m = row.meta;
  const usage = usageOf(row);
  const denied = (m.summary?.egressDenied ?? 0) + (m.summary?.modelCallsDenied ?? 0);
  return (
    <tr data-id={m.id} data-status={m.status}>
      <td>
        <StatusBadge status={m.status} />
      </td>
      <td className="name">
        <a href={hrefs.instance(m.id)}>{m.name ? cleanText(m.name) : m.id}</a>
        {m.name && <span className="muted small id"> {m.id}</span>}
      </td>
      <td className="wide">{m.agent}</td>
      <td>
        <Elapsed meta={m} />
      </td>
      <td className="num wide">{formatTokens(usage.tokens)}</td>
      <td className="num wide">{formatUsd(usage.costUsd)}</td>
      <td className="num changed">
        <LinesChanged summary={m.summary} />
      </td>
      <td className={`num wide${denied ? ' warn' : ''}`}>{denied || '–'}</td>
      <td className="num">
        {row.pending.length > 0 ? (
          <a className="pending" href={hrefs.requests}>
            {row.pending.length}
            <span className="wide"> waiting</span>
          </a>
        ) : (
          '–'
        )}
      </td>
    </tr>
  );
});
