import { describe, expect, it } from 'vitest';
import type { Metadata } from '../../state/index.js';
import { sampleMetadata } from '../../state/metadata.fixture.js';
import { getPullRequestBody, getPullRequestTitle } from './pull-request-text.js';

const base: Metadata = sampleMetadata({
  prompt: 'fix the failing test in src/add.ts\nand explain why it failed',
  summary: {
    inputTokens: 1200,
    outputTokens: 340,
    cacheReadTokens: 5,
    cacheWriteTokens: 6,
    costUsd: 0.0123,
    filesChanged: 2,
    linesAdded: null,
    linesDeleted: null,
    toolCalls: 4,
    denials: [],
    egressDenied: 0,
    unreachableHosts: [],
    modelCallsDenied: 0,
  },
  status: 'succeeded',
  exitCode: 0,
  durationMs: 83_000,
  workspaceRemoved: true,
});

describe('getPullRequestTitle', () => {
  it("is the prompt's first line, else the commit subject, else the branch", () => {
    expect(getPullRequestTitle(base, 'corral: work')).toBe('fix the failing test in src/add.ts');
    expect(getPullRequestTitle({ ...base, prompt: null }, 'corral: work of x')).toBe(
      'corral: work of x',
    );
    expect(getPullRequestTitle({ ...base, prompt: '\n  \n' }, null)).toBe('corral/claude-k3x9q');
  });

  it('is cut at 72 characters', () => {
    const title = getPullRequestTitle({ ...base, prompt: 'x'.repeat(200) }, null);
    expect(title).toHaveLength(72);
    expect(title.endsWith('…')).toBe(true);
  });
});

describe('getPullRequestBody', () => {
  it('says what ran, how it ended, what it cost, and which instance made it', () => {
    const body = getPullRequestBody(base);
    expect(body).toContain('- **agent:** claude');
    expect(body).toContain('- **status:** succeeded (exit code 0)');
    expect(body).toContain('- **duration:** 1m23s');
    expect(body).toContain('- **tokens:** 1200 in, 340 out, 5 cache read, 6 cache write');
    expect(body).toContain('- **cost:** $0.0123');
    expect(body).toContain('- **files changed:** 2');
    expect(body).toContain('- **branch:** `corral/claude-k3x9q`');
    expect(body).toContain(
      '### Prompt\n\n> fix the failing test in src/add.ts\n> and explain why it failed',
    );
    expect(body.trimEnd().endsWith('Corral-Instance: claude-k3x9q')).toBe(true);
  });

  it('shows the command when there is no prompt, and unknowns as such', () => {
    const body = getPullRequestBody({
      ...base,
      prompt: null,
      agent: 'shell',
      command: ['sh', '-c', 'make test'],
      summary: null,
      durationMs: null,
      status: 'failed',
      exitCode: 2,
    });
    expect(body).toContain('### Command\n\n```\nsh -c make test\n```');
    expect(body).toContain('- **status:** failed (exit code 2)');
    expect(body).toContain('- **duration:** unknown');
    expect(body).not.toContain('tokens');
  });
});
