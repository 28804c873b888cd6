/**
 * A battle as it goes, on stderr: in a terminal, one line per contestant (and the base's
 * grading) redrawn in place when something changed, and only then (no flicker); elsewhere a
 * plain line each time a contestant's phase changes, for logs and CI.
 */
import { formatDurationMs } from '../lib/duration.js';
import { tableCell } from '../lib/terminal-text.js';
import { alignColumns } from '../lib/text-table.js';
import type {
  BattleRecord,
  ContestantState,
  GradingState,
} from '../orchestrator/battles/battle-record.js';

export class BattleBoard {
  readonly #tty: boolean;
  #drawn = 0;
  #last = new Map<string, string>();
  #record: BattleRecord | null = null;
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {
    this.#tty = Boolean(out.isTTY);
    // Elapsed times move on their own: a terminal board redraws once a second.
    if (this.#tty) this.#timer = setInterval(() => this.#draw(), 1000).unref();
  }

  update(record: BattleRecord): void {
    this.#record = record;
    if (this.#tty) this.#draw();
    else this.#log(record);
  }

  close(): void {
    clearInterval(this.#timer);
    if (this.#tty) this.#draw();
  }

  #draw(): void {
    if (!this.#record) return;
    const lines = boardLines(this.#record, Date.now());
    const text = lines.join('\n');
    if (text === this.#last.get('board')) return;
    this.#last.set('board', text);
    const up = this.#drawn > 0 ? `\x1b[${this.#drawn}A` : '';
    this.out.write(`${up}\r\x1b[J${text}\n`);
    this.#drawn = lines.length;
  }

  #log(record: BattleRecord): void {
    for (const [name, phase] of [
      ['base', gradingPhase(record.baseGrading, 'graded')] as const,
      ...record.contestants.map((c) => [c.name, contestantPhase(c)] as const),
    ]) {
      if (this.#last.get(name) === phase) continue;
      this.#last.set(name, phase);
      this.out.write(`corral: ${record.id} ${tableCell(name)}: ${tableCell(phase)}\n`);
    }
  }
}

export function boardLines(record: BattleRecord, now: number): string[] {
  const rows = [
    ['', 'contestant', 'agent', 'phase', 'time', 'changed'],
    ['', 'base', '', gradingPhase(record.baseGrading, 'graded'), '', ''],
    ...record.contestants.map((c) => [
      '',
      c.name,
      c.model ? `${c.agent}@${c.model}` : c.agent,
      contestantPhase(c),
      elapsed(c, record, now),
      c.work
        ? `${c.work.files} file${c.work.files === 1 ? '' : 's'} +${c.work.added} −${c.work.deleted}`
        : '',
    ]),
  ];
  return alignColumns(rows.map((r) => r.map((cell) => tableCell(cell, 48))));
}

function contestantPhase(c: ContestantState): string {
  if (c.instanceId === null) return c.grading.note ?? 'waiting';
  if (c.run === null) return `running (${c.instanceId})`;
  const ended = `${c.run.status}${c.run.exitCode !== null ? ` (exit ${c.run.exitCode})` : ''}`;
  return `${ended}, ${gradingPhase(c.grading, 'graded')}`;
}

function gradingPhase(g: GradingState, graded: string): string {
  switch (g.outcome) {
    case 'graded':
      return graded;
    case 'infrastructure':
      return `not graded: ${g.note ?? 'the grading sandbox failed'}`;
    case 'no-work':
      return 'nothing came back to grade';
    case null:
      if (g.instanceId !== null) return `grading${g.attempts > 1 ? ` (try ${g.attempts})` : ''}`;
      return 'to grade';
  }
}

function elapsed(c: ContestantState, record: BattleRecord, now: number): string {
  if (c.run?.durationMs != null) return formatDurationMs(c.run.durationMs);
  if (c.instanceId === null || record.status !== 'running') return '';
  return formatDurationMs(now - Date.parse(record.createdAt));
}
