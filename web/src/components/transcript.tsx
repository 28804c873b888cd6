/**
 * An instance's live transcript, from its own event stream (`/v1/instances/{id}/events`,
 * resumed from the last line shown after a drop): what the agent said, each tool call and
 * command one line (expandable to its input or output; commands with their exit codes),
 * egress and model-gateway refusals, requests and their answers, and the run's lifecycle.
 * Everything is text. Events arriving together are rendered together; the view follows the
 * end while the reader is at the end.
 */
import { memo, useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { cleanText } from '../lib/clean-text.js';
import { openEventStream, type EventStream, type StreamState } from '../lib/event-stream.js';
import { useFeedEvents } from '../lib/hooks.js';
import type { CorralEvent } from '../lib/types.js';

export function Transcript({ id }: { id: string }) {
  const [events, setEvents] = useState<CorralEvent[]>([]);
  const [state, setState] = useState<StreamState>('connecting');
  const [error, setError] = useState<string | null>(null);
  const stream = useRef<EventStream | undefined>(undefined);
  const lastSeq = useRef(0);
  const pending = useRef<CorralEvent[]>([]);
  const flushTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const box = useRef<HTMLOListElement>(null);
  const atEnd = useRef(true);

  /** Shows the events received since the last batch (batched: a busy run sends many). */
  const flush = useCallback(() => {
    clearTimeout(flushTimer.current);
    flushTimer.current = undefined;
    const batch = pending.current;
    if (batch.length === 0) return;
    pending.current = [];
    setEvents((old) => old.concat(batch));
  }, []);

  const open = useCallback(() => {
    stream.current?.close();
    stream.current = openEventStream(
      `/v1/instances/${encodeURIComponent(id)}/events`,
      { after: lastSeq.current, cursorKey: 'seq', closeOnEnd: true },
      {
        onMessage: (data) => {
          const event = JSON.parse(data) as CorralEvent;
          if (event.seq !== undefined) {
            if (event.seq <= lastSeq.current) return;
            lastSeq.current = event.seq;
          }
          pending.current.push(event);
          flushTimer.current ??= setTimeout(flush, 30);
        },
        onState: (next) => {
          // What came before the end is shown with it, never after "the run ended".
          if (next !== 'live') flush();
          setState(next);
        },
        onServerError: (data) => {
          try {
            setError((JSON.parse(data) as { error: { message: string } }).error.message);
          } catch {
            setError('The stream failed.');
          }
        },
      },
    );
  }, [id, flush]);

  useEffect(() => {
    open();
    return () => {
      stream.current?.close();
      clearTimeout(flushTimer.current);
      flushTimer.current = undefined;
    };
  }, [open]);

  // A stream ends with its run; a resumed run says more: follow it again from where we were.
  useFeedEvents(
    useCallback(
      (event: CorralEvent) => {
        if (event.id === id && state === 'ended' && (event.seq ?? 0) > lastSeq.current) open();
      },
      [id, state, open],
    ),
  );

  useLayoutEffect(() => {
    const el = box.current;
    if (el && atEnd.current) el.scrollTop = el.scrollHeight;
  }, [events]);

  const onScroll = () => {
    const el = box.current;
    if (el) atEnd.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
  };

  return (
    <div className="transcript-wrap">
      <p className="muted small" role="status" data-testid="transcript-state">
        {state === 'live'
          ? 'following live'
          : state === 'ended'
            ? 'the run ended'
            : state === 'down'
              ? 'connection lost; reconnecting…'
              : 'connecting…'}
        {' · '}
        {events.length} events
      </p>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <ol
        className="transcript"
        ref={box}
        onScroll={onScroll}
        data-testid="transcript"
        tabIndex={0}
      >
        {events.map((event, i) => (
          <Line key={event.seq ?? `i${i}`} event={event} />
        ))}
      </ol>
    </div>
  );
}

const Line = memo(function Line({ event }: { event: CorralEvent }) {
  const time = event.ts.slice(11, 19);
  return (
    <li className={`ev ev-${event.type.replace('.', '-')}`} data-seq={event.seq}>
      <time dateTime={event.ts} className="muted">
        {time}
      </time>
      <LineBody event={event} />
    </li>
  );
});

/** A one-line summary that opens to show more, when there is more. */
function Expandable({
  summary,
  detail,
  className,
}: {
  summary: string;
  detail: string;
  className?: string;
}) {
  if (!detail) return <span className={className}>{summary}</span>;
  return (
    <details className={className}>
      <summary>{summary}</summary>
      <pre>{detail}</pre>
    </details>
  );
}

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > 160 ? `${line.slice(0, 157)}…` : line;
}

function json(value: unknown): string {
  try {
    return JSON.stringify(value, null, 2) ?? '';
  } catch {
    return String(value);
  }
}

function LineBody({ event }: { event: CorralEvent }) {
  const t = cleanText;
  switch (event.type) {
    case 'agent.text':
      return <span className="text">{t(event.text)}</span>;
    case 'agent.tool-call':
      return (
        <Expandable
          className="tool"
          summary={`→ ${t(event.tool)}${event.target ? ` ${t(event.target)}` : ''}`}
          detail={t(json(event.input))}
        />
      );
    case 'agent.tool-result':
      return (
        <Expandable
          className={event.ok ? 'result' : 'result bad'}
          summary={`${event.ok ? '←' : '✘'} ${t(firstLine(event.output))}`}
          detail={event.output.includes('\n') ? t(event.output) : ''}
        />
      );
    case 'agent.command':
      return (
        <span className="command">
          <Expandable summary={`$ ${t(event.command)}`} detail={t(event.output ?? '')} />
          {event.exitCode !== null && (
            <span className={`exit ${event.exitCode === 0 ? 'ok' : 'bad'}`}>
              exit {event.exitCode}
            </span>
          )}
        </span>
      );
    case 'agent.file-change':
      return <span className="muted">{`${event.change ?? 'change'} ${t(event.path)}`}</span>;
    case 'agent.usage':
      return (
        <span className="muted">{`tokens in ${event.inputTokens}, out ${event.outputTokens}${event.costUsd === null ? '' : `, $${event.costUsd.toFixed(4)}`}`}</span>
      );
    case 'agent.error':
      return <span className="bad">{`error: ${t(event.message)}`}</span>;
    case 'agent.task':
      return (
        <span className="muted">{`task ${t(event.state)}: ${t(firstLine(event.description))}`}</span>
      );
    case 'agent.end':
      return (
        <span className={event.ok ? 'ok' : 'bad'}>
          {`agent ${event.ok ? 'finished' : 'failed'}${event.denials.length ? `; refused: ${event.denials.map(t).join(', ')}` : ''}`}
        </span>
      );
    case 'agent.session':
      return <span className="muted">{`session ${t(event.sessionId)}`}</span>;
    case 'egress':
      return event.allowed ? (
        <span className="muted">{`egress ${t(event.host)}:${event.port} allowed`}</span>
      ) : (
        <span className="bad">{`egress ${t(event.host)}:${event.port} denied${event.reason ? `: ${t(event.reason)}` : ''}`}</span>
      );
    case 'gateway.usage':
      return (
        <span className="muted">{`model call ${t(event.api)} ${t(event.path)} (${event.status}): tokens in ${event.inputTokens}, out ${event.outputTokens}`}</span>
      );
    case 'gateway.denied':
      return (
        <span className="bad">{`model call ${t(event.method)} ${t(event.path)} refused (${event.reason}): ${t(event.message)}`}</span>
      );
    case 'request.opened':
      return (
        <span className="request">{`request ${event.n}: ${event.kind} ${t(event.name)} — ${t(event.why)}`}</span>
      );
    case 'request.answered':
      return (
        <span className={event.decision === 'approved' ? 'ok' : 'bad'}>
          {`request ${event.n} ${event.decision}${event.by ? ` by ${t(event.by)}` : ''}: ${event.kind} ${t(event.name)}${event.reason ? ` (${t(event.reason)})` : ''}`}
        </span>
      );
    case 'instance.created':
      return (
        <span className="life">{`created on ${event.backend}, branch ${t(event.branch)}`}</span>
      );
    case 'instance.started':
      return <span className="life">started</span>;
    case 'instance.removed':
      return <span className="life">removed</span>;
    case 'setup.started':
      return <span className="life">{`setup: ${t(event.command)}`}</span>;
    case 'setup.ended':
      return (
        <span className={event.exitCode === 0 ? 'life' : 'bad'}>
          {`setup ${event.exitCode === 0 ? 'done' : `failed (exit ${event.exitCode ?? event.signal})`} in ${(event.durationMs / 1000).toFixed(1)} s`}
          {event.exitCode === 0 ? null : <pre>{t(event.output)}</pre>}
        </span>
      );
    case 'process.exited':
      return (
        <span className="life">
          {event.signal
            ? `process killed by ${event.signal}`
            : `process exited with ${event.exitCode}`}
        </span>
      );
    case 'bring-back.done':
      return (
        <span className="life">{`branch at ${event.commit.slice(0, 12)}${event.committedLeftovers ? ' (leftovers committed)' : ''}`}</span>
      );
    case 'bring-back.failed':
      return <span className="bad">{`bring-back failed: ${t(event.error)}`}</span>;
    case 'instance.ended':
      return (
        <span className="life">{`ended ${event.status}${event.exitCode === null ? '' : ` (exit ${event.exitCode})`}`}</span>
      );
    // A battle's own events (its stream, not an instance's): one line each, until the battle pages.
    case 'battle.status':
      return (
        <span className="life">{`battle ${event.status}${event.reason ? `: ${t(event.reason)}` : ''}`}</span>
      );
    case 'battle.contestant':
      return (
        <span className="life">{`${t(event.name)}: ${event.step}${event.detail ? ` (${t(event.detail)})` : ''}`}</span>
      );
    case 'battle.budget':
      return <span className="life">{`battle reached ${t(event.reached)}`}</span>;
    case 'battle.ranked':
      return (
        <span className="life">{`ranked: ${event.ranking.map((r) => `${r.rank}. ${t(r.name)}`).join(', ')}`}</span>
      );
    case 'battle.merged':
      return (
        <span className="life">{`merged ${t(event.contestant)} into ${t(event.into)} (${t(event.how)})`}</span>
      );
    case 'raw':
      return <span className="raw">{t(event.line)}</span>;
  }
}
