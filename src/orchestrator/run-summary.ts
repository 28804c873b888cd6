/**
 * The numbers a run ends with: tokens and cost summed over the usage events (what the
 * gateway metered when it metered anything, else what the agent reported; the agent's cost
 * when the gateway had no prices), how many tools it called, what it was refused (by its
 * CLI, by the egress policy, by the model gateway), which hosts it could not reach (the
 * gateway's denials; where no gateway logs them, in a sandbox without network or behind
 * sandbox-runtime's proxy, the hosts its tools' error lines name), and how many files and
 * lines its branch changed: one `git diff --numstat` when the run ends, kept in the record,
 * so a list of fifty instances shows `+N −M` without fifty diffs.
 */
import type { CorralEvent } from '../events/index.js';
import { isHostAllowed } from '../gateway/policy.js';
import type { Metadata, Summary } from '../state/index.js';
import { getBaseTip, git } from '../workspace/index.js';
import { UnreachableHosts } from './unreachable-hosts.js';

type Tokens = Pick<
  Summary,
  'inputTokens' | 'outputTokens' | 'cacheReadTokens' | 'cacheWriteTokens' | 'costUsd'
>;
const noTokens: Tokens = {
  inputTokens: 0,
  outputTokens: 0,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  costUsd: null,
};

function addTokens(to: Tokens, usage: Tokens): void {
  to.inputTokens += usage.inputTokens;
  to.outputTokens += usage.outputTokens;
  to.cacheReadTokens += usage.cacheReadTokens;
  to.cacheWriteTokens += usage.cacheWriteTokens;
  if (usage.costUsd !== null) to.costUsd = (to.costUsd ?? 0) + usage.costUsd;
}

export class SummaryCollector {
  private summary: Summary = {
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    costUsd: null,
    filesChanged: null,
    linesAdded: null,
    linesDeleted: null,
    toolCalls: 0,
    denials: [],
    egressDenied: 0,
    modelCallsDenied: 0,
    unreachableHosts: [],
  };
  private readonly denied = new Set<string>();
  private offline: UnreachableHosts | null = null;
  private allowHosts: readonly string[] = [];

  /**
   * Reads the output for the hosts tried, where no gateway logs what it refused. A host
   * `allowHosts` holds is not reported: its failure was not the allowlist's.
   */
  readOutput(allowHosts: readonly string[]): void {
    this.offline = new UnreachableHosts();
    this.allowHosts = allowHosts;
  }

  /** What the gateway metered; when it metered anything, it is the truth. */
  private metered: Tokens | null = null;

  add(event: CorralEvent): void {
    const s = this.summary;
    if (event.type === 'agent.usage') {
      addTokens(s, event);
    } else if (event.type === 'gateway.usage') {
      this.metered ??= { ...noTokens };
      addTokens(this.metered, event);
    } else if (event.type === 'agent.tool-call') {
      s.toolCalls++;
    } else if (event.type === 'egress' && !event.allowed) {
      s.egressDenied++;
      this.denied.add(event.host);
    } else if (event.type === 'raw') {
      this.offline?.line(event.line);
    } else if (event.type === 'agent.command' && event.output !== null) {
      for (const line of event.output.split('\n')) this.offline?.line(line);
    } else if (event.type === 'gateway.denied') {
      s.modelCallsDenied++;
    } else if (event.type === 'agent.end') {
      s.denials.push(...event.denials);
    }
  }

  async finish(metadata: Metadata, commit: string | null): Promise<Summary> {
    if (this.metered) {
      // Metered tokens win; a metered cost only when prices were configured.
      const cost = this.metered.costUsd ?? this.summary.costUsd;
      Object.assign(this.summary, this.metered, { costUsd: cost });
    }
    const tried = (this.offline?.list() ?? []).filter(
      (host) => !isHostAllowed(this.allowHosts, host, 443),
    );
    this.summary.unreachableHosts = [...this.denied, ...tried].slice(0, 10);
    if (commit) {
      const r = await git(
        metadata.sourceRepo,
        ['diff', '--numstat', getBaseTip(metadata.base), commit, '--'],
        {
          allowFailure: true,
        },
      );
      if (r.exitCode === 0) Object.assign(this.summary, countNumstat(r.stdout));
    }
    return this.summary;
  }
}

/**
 * Files and lines of `git diff --numstat` output; a binary file (`-\t-\t<path>`) counts as a
 * file with no lines.
 *
 * @example countNumstat('3\t1\ta.txt\n-\t-\tlogo.png\n') // { filesChanged: 2, linesAdded: 3, linesDeleted: 1 }
 */
export function countNumstat(
  numstat: string,
): Pick<Summary, 'filesChanged' | 'linesAdded' | 'linesDeleted'> {
  const lines = numstat.split('\n').filter(Boolean);
  let linesAdded = 0;
  let linesDeleted = 0;
  for (const line of lines) {
    const [added, deleted] = line.split('\t');
    linesAdded += Number(added) || 0;
    linesDeleted += Number(deleted) || 0;
  }
  return { filesChanged: lines.length, linesAdded, linesDeleted };
}
