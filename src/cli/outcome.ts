/**
 * Turns an ended instance record into what the user sees: the exit code of `corral run`
 * (the command's own, or a documented code for timeouts, spent budgets, cancels and failed
 * bring-back),
 * a one-line summary for people, and one JSON object for scripts.
 */
import { constants } from 'node:os';
import { ExitCode, errorCodes } from '../lib/errors.js';
import { formatDurationMs } from '../lib/duration.js';
import type { Metadata } from '../state/index.js';
import { getNetworkHint } from './network-hint.js';

export function exitCodeOf(m: Metadata): number {
  if (m.bringBack?.error) return ExitCode.io;
  // A start corral refused for a named reason ends with that reason's code, as at create.
  if (m.failure && m.failure.code in errorCodes) {
    return errorCodes[m.failure.code as keyof typeof errorCodes];
  }
  switch (m.status) {
    case 'succeeded':
      return 0;
    case 'timed-out':
      return ExitCode.timedOut;
    case 'budget-exceeded':
      return ExitCode.budgetExceeded;
    case 'canceled':
      return ExitCode.canceled;
    case 'lost':
      return ExitCode.internal;
    case 'created':
    case 'running':
      return 0;
    case 'failed': {
      if (m.exitCode !== null && m.exitCode !== 0) return m.exitCode;
      const signo = m.signal ? constants.signals[m.signal as NodeJS.Signals] : undefined;
      return signo ? 128 + signo : 1;
    }
  }
}

export function outcomeJson(m: Metadata, workspace: string) {
  return {
    id: m.id,
    name: m.name,
    status: m.status,
    exitCode: m.exitCode,
    signal: m.signal,
    durationMs: m.durationMs,
    backend: m.backend,
    image: m.image,
    sourceRepo: m.sourceRepo,
    branch: m.branch,
    commit: m.bringBack?.commit ?? null,
    committedLeftovers: m.bringBack?.committedLeftovers ?? false,
    base: m.base,
    network: m.network,
    agent: m.agent,
    agentSessionId: m.agentSessionId,
    summary: m.summary,
    workspace: m.workspaceRemoved ? null : workspace,
    message: m.message,
    networkHint: getNetworkHint(m),
  };
}

const marks: Record<Metadata['status'], string> = {
  succeeded: '✔',
  failed: '✘',
  canceled: '■',
  'timed-out': '⧖',
  'budget-exceeded': '$',
  lost: '?',
  created: '·',
  running: '▶',
};

function describeSummary(m: Metadata): string | null {
  const s = m.summary;
  if (!s) return null;
  const parts: string[] = [];
  if (s.inputTokens || s.outputTokens) {
    parts.push(
      `tokens ${s.inputTokens} in / ${s.outputTokens} out${s.cacheReadTokens ? ` (${s.cacheReadTokens} cached)` : ''}`,
    );
  }
  if (s.costUsd !== null) parts.push(`$${s.costUsd.toFixed(4)}`);
  if (s.toolCalls) parts.push(`${s.toolCalls} tool call${s.toolCalls === 1 ? '' : 's'}`);
  if (s.filesChanged !== null)
    parts.push(`${s.filesChanged} file${s.filesChanged === 1 ? '' : 's'} changed`);
  return parts.length ? parts.join(' · ') : null;
}

export function summaryLines(m: Metadata): string[] {
  const took = m.durationMs !== null ? ` in ${formatDurationMs(m.durationMs)}` : '';
  const code = m.exitCode !== null && m.status !== 'succeeded' ? ` (exit ${m.exitCode})` : '';
  const lines = [`${marks[m.status]} ${m.id} ${m.status}${code}${took}`];
  if (m.bringBack?.commit) {
    // The commit was made in the sandbox, on the branch: nothing touched the user's tree.
    const extra = m.bringBack.committedLeftovers
      ? ' (the work left uncommitted in the sandbox is committed on it)'
      : '';
    lines.push(
      `  branch ${m.branch} at ${m.bringBack.commit.slice(0, 12)} in ${m.sourceRepo}${extra}`,
    );
    lines.push(`  see the work: corral diff ${m.id}`);
  }
  const usage = describeSummary(m);
  if (usage) lines.push(`  ${usage}`);
  if (m.summary?.denials.length)
    lines.push(`  the agent was refused: ${m.summary.denials.join(', ')}`);
  const refused = m.summary?.egressDenied ?? 0;
  if (refused > 0)
    lines.push(
      `  ${refused} connection${refused === 1 ? '' : 's'} refused by the egress policy: corral policy ${m.id}`,
    );
  const calls = m.summary?.modelCallsDenied ?? 0;
  if (calls > 0)
    lines.push(
      `  ${calls} model call${calls === 1 ? '' : 's'} refused by the model gateway: corral policy ${m.id}`,
    );
  if (m.message) lines.push(`  ${m.message}`);
  if (m.failure?.hint) lines.push(`  ${m.failure.hint}`);
  const network = getNetworkHint(m);
  if (network) lines.push(`  ${network.text}`);
  if (!m.workspaceRemoved && m.keep)
    lines.push(`  kept; continue with: corral resume ${m.id} -- <command>`);
  return lines;
}
