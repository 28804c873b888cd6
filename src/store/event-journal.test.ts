import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InstanceIndex } from './instance-index.js';
import type { JournalAppend } from './event-journal.js';

let index: InstanceIndex;
beforeEach(async () => {
  index = InstanceIndex.open(
    join(await mkdtemp(join(tmpdir(), 'corral-journal-')), 'index.sqlite'),
  );
});
afterEach(() => index.close());

const batch = (instanceId: string, from: number, count: number): JournalAppend[] =>
  Array.from({ length: count }, (_, i) => ({ instanceId, seq: from + i }));

describe('EventJournal', () => {
  it('gives each appended event the next place in one stream, across instances', () => {
    const journal = index.journal;
    expect(journal.lastGseq()).toBe(0);
    expect(journal.append(batch('claude-aaaaa', 1, 3))).toEqual([1, 2, 3]);
    expect(journal.append([...batch('codex-bbbbb', 1, 2), ...batch('claude-aaaaa', 4, 1)])).toEqual(
      [4, 5, 6],
    );
    expect(journal.after(0)).toEqual([
      { gseq: 1, instanceId: 'claude-aaaaa', seq: 1 },
      { gseq: 2, instanceId: 'claude-aaaaa', seq: 2 },
      { gseq: 3, instanceId: 'claude-aaaaa', seq: 3 },
      { gseq: 4, instanceId: 'codex-bbbbb', seq: 1 },
      { gseq: 5, instanceId: 'codex-bbbbb', seq: 2 },
      { gseq: 6, instanceId: 'claude-aaaaa', seq: 4 },
    ]);
    // A client that saw up to 4 resumes with exactly what it missed.
    expect(journal.after(4, 10).map((e) => e.gseq)).toEqual([5, 6]);
    expect(journal.after(0, 2).map((e) => e.gseq)).toEqual([1, 2]);
    expect(journal.lastSeq('claude-aaaaa')).toBe(4);
    expect(journal.lastSeq('nobody')).toBeNull();
  });

  it('keeps an event journaled twice at its first place (a reader re-attached after a restart)', () => {
    const journal = index.journal;
    journal.append(batch('claude-aaaaa', 1, 3));
    expect(journal.append(batch('claude-aaaaa', 2, 3))).toEqual([null, null, 4]);
    // Twice in one batch, too.
    expect(
      journal.append([
        { instanceId: 'claude-aaaaa', seq: 5 },
        { instanceId: 'claude-aaaaa', seq: 5 },
      ]),
    ).toEqual([5, null]);
    expect(journal.after(0).map((e) => [e.gseq, e.seq])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
      [4, 4],
      [5, 5],
    ]);
    expect(journal.lastSeq('claude-aaaaa')).toBe(5);
  });

  it('never hands out a gseq twice, also after rows are deleted', () => {
    const journal = index.journal;
    journal.append(batch('claude-aaaaa', 1, 5));
    index.database.prepare('DELETE FROM event_journal WHERE gseq > 2').run();
    expect(journal.lastGseq()).toBe(5);
    expect(journal.append(batch('codex-bbbbb', 1, 1))).toEqual([6]);
  });

  it('appends a large batch whole, or not at all', () => {
    const journal = index.journal;
    const big = batch('claude-aaaaa', 1, 50_000);
    const gseqs = journal.append(big);
    expect(gseqs).toHaveLength(50_000);
    expect(gseqs[49_999]).toBe(50_000);
    expect(journal.after(49_998).map((e) => e.seq)).toEqual([49_999, 50_000]);
    // One bad entry (no instance id) in a batch: nothing of that batch is kept.
    const bad = [...batch('codex-bbbbb', 1, 10), { instanceId: null, seq: 11 }];
    expect(() => journal.append(bad as unknown as JournalAppend[])).toThrow(/NOT NULL/);
    expect(journal.lastSeq('codex-bbbbb')).toBeNull();
    expect(journal.after(50_000)).toEqual([]);
    expect(journal.append(batch('codex-bbbbb', 1, 1))).toEqual([50_001]);
  });
});
