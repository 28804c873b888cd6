/**
 * One instance: its record (status, agent, branch, prompt), its actions, and its views:
 * the live transcript, the diff against its base, the egress policy, and, for a terminal
 * session, its terminal. The record comes
 * from the live store when the instance is listed there (kept current by the joint
 * stream), fetched once otherwise.
 */
import { lazy, Suspense, useEffect, useState } from 'react';
import { ActionsPanel } from '../components/actions-panel.js';
import { DiffView } from '../components/diff-view.js';
import { Elapsed } from '../components/elapsed.js';
import { NotLoaded } from '../components/not-loaded.js';
import { PolicyPanel } from '../components/policy-panel.js';
import { StatusBadge } from '../components/status-badge.js';
import { Transcript } from '../components/transcript.js';
import { api, describeError } from '../lib/api.js';
import { cleanText } from '../lib/clean-text.js';
import { useFeed, useInstanceRows } from '../lib/hooks.js';
import { hrefs } from '../lib/route.js';

// xterm.js is most of a bundle's weight: loaded when a terminal is first shown.
const TerminalPanel = lazy(() =>
  import('../components/terminal-panel.js').then((m) => ({ default: m.TerminalPanel })),
);

const tabs = ['terminal', 'transcript', 'diff', 'policy'] as const;
type Tab = (typeof tabs)[number];
const tabNames: Record<Tab, string> = {
  terminal: 'Terminal',
  transcript: 'Transcript',
  diff: 'Diff',
  policy: 'Egress policy',
};

export function InstancePage({ id }: { id: string }) {
  const feed = useFeed();
  const rows = useInstanceRows();
  const row = rows.find((r) => r.meta.id === id);
  const [error, setError] = useState<string | null>(null);
  // Until one is chosen: a running terminal session shows its terminal, others their transcript.
  const [chosen, setTab] = useState<Tab | null>(null);

  useEffect(() => {
    if (row) return;
    api.getInstance(id).then(
      (meta) => feed.instances.upsert(meta),
      (e: unknown) => setError(describeError(e)),
    );
    // Only when the page opens (the `key` is the id): later changes come through the store.
  }, []);

  if (!row) {
    return <NotLoaded back={{ href: hrefs.instances, label: 'Instances' }} id={id} error={error} />;
  }
  const m = row.meta;
  const tab = chosen ?? (m.interactive && m.status === 'running' ? 'terminal' : 'transcript');
  return (
    <section aria-labelledby="instance-title" className="instance">
      <p>
        <a href={hrefs.instances}>← Instances</a>
      </p>
      <div className="page-head">
        <h1 id="instance-title">{m.name ? cleanText(m.name) : m.id}</h1>
        <StatusBadge status={m.status} />
      </div>
      <dl className="facts">
        <dt>Id</dt>
        <dd>
          <code>{m.id}</code>
        </dd>
        <dt>Agent</dt>
        <dd>
          {m.agent} on {m.backend}
        </dd>
        <dt>Branch</dt>
        <dd>
          <code>{cleanText(m.branch)}</code>
        </dd>
        <dt>Elapsed</dt>
        <dd>
          <Elapsed meta={m} />
        </dd>
        {row.pending.length > 0 && (
          <>
            <dt>Requests</dt>
            <dd>
              <a href={hrefs.requests}>{row.pending.length} waiting</a>
            </dd>
          </>
        )}
        {m.message && (
          <>
            <dt>Note</dt>
            <dd>{cleanText(m.message)}</dd>
          </>
        )}
      </dl>
      {m.prompt && (
        <details className="prompt">
          <summary>Prompt</summary>
          <pre>{cleanText(m.prompt)}</pre>
        </details>
      )}
      <ActionsPanel
        meta={m}
        onChanged={(meta) => feed.instances.upsert(meta)}
        onRemoved={() => feed.instances.remove(m.id)}
      />
      <div className="tabs" role="tablist" aria-label="Views">
        {tabs
          .filter((t) => t !== 'terminal' || m.interactive)
          .map((t) => (
            <button
              key={t}
              type="button"
              role="tab"
              id={`tab-${t}`}
              aria-selected={tab === t}
              aria-controls={`panel-${t}`}
              onClick={() => setTab(t)}
            >
              {tabNames[t]}
            </button>
          ))}
      </div>
      {/* The transcript stays mounted (and following) while another view is shown. */}
      <div
        role="tabpanel"
        id="panel-transcript"
        aria-labelledby="tab-transcript"
        hidden={tab !== 'transcript'}
      >
        <Transcript id={m.id} />
      </div>
      {tab === 'terminal' && m.interactive && (
        <div role="tabpanel" id="panel-terminal" aria-labelledby="tab-terminal">
          {m.status === 'running' ? (
            <Suspense fallback={<p className="muted">Loading the terminal…</p>}>
              <TerminalPanel id={m.id} />
            </Suspense>
          ) : (
            <p className="muted">
              {m.status === 'created'
                ? 'The session has not started yet.'
                : 'The session ended; what it printed is in the transcript.'}
            </p>
          )}
        </div>
      )}
      {tab === 'diff' && (
        <div role="tabpanel" id="panel-diff" aria-labelledby="tab-diff">
          <DiffView id={m.id} version={`${m.status}:${m.endedAt ?? ''}`} />
        </div>
      )}
      {tab === 'policy' && (
        <div role="tabpanel" id="panel-policy" aria-labelledby="tab-policy">
          <PolicyPanel id={m.id} />
        </div>
      )}
    </section>
  );
}
