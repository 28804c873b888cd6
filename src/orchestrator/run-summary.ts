/**
 * The numbers a run ends with: tokens and cost summed over the agent's usage events, how
 * many tools it called, what it was refused, and how many files its branch changed.
 */
import type { CorralEvent } from '../events/index.js';
import type { Metadata, Summary } from '../state/index.js';
import { getBaseTip, git } from '../workspace/index.js';

export class SummaryCollector {
  private summary: Summary = {
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    costUsd: null,
    filesChanged: null,
    toolCalls: 0,
    denials: [],
  };

  add(event: CorralEvent): void {
    const s = this.summary;
    if (event.type === 'agent.usage') {
      s.inputTokens += event.inputTokens;
      s.outputTokens += event.outputTokens;
      s.cacheReadTokens += event.cacheReadTokens;
      s.cacheWriteTokens += event.cacheWriteTokens;
      if (event.costUsd !== null) s.costUsd = (s.costUsd ?? 0) + event.costUsd;
    } else if (event.type === 'agent.tool-call') {
      s.toolCalls++;
    } else if (event.type === 'agent.end') {
      s.denials.push(...event.denials);
    }
  }

  async finish(metadata: Metadata, commit: string | null): Promise<Summary> {
    if (commit) {
      const r = await git(
        metadata.sourceRepo,
        ['diff', '--name-only', getBaseTip(metadata.base), commit, '--'],
        {
          allowFailure: true,
        },
      );
      if (r.exitCode === 0) this.summary.filesChanged = r.stdout.split('\n').filter(Boolean).length;
    }
    return this.summary;
  }
}
