/**
 * Battles in the index (migration 2's tables): one row per battle with its record as JSON,
 * and one per contestant that has an instance, with its grade and rank, so listing battles
 * and asking "which battle is this instance in" need no state dir read. A row is replaced
 * whole each time its battle's record is saved (the record, in `battles/<id>/`, stays the
 * truth; an index rebuilt from the state dirs puts the rows back).
 */
import type { Database } from 'better-sqlite3';

export interface BattleRow {
  id: string;
  repo: string;
  task: string;
  status: string;
  createdAt: number;
  endedAt: number | null;
  /** The whole record, as JSON. */
  record: string;
  contestants: Array<{
    instanceId: string;
    name: string;
    agent: string;
    model: string | null;
    /** The grade as JSON, once graded. */
    grade: string | null;
    rank: number | null;
  }>;
}

export class BattleTable {
  readonly #put: (row: BattleRow) => void;
  readonly #list: () => string[];
  readonly #get: (id: string) => string | undefined;
  readonly #ofInstance: (instanceId: string) => string | undefined;

  constructor(db: Database) {
    const battle = db.prepare(
      `INSERT INTO battles (id, repo, task, status, created_at, ended_at, record)
       VALUES (@id, @repo, @task, @status, @createdAt, @endedAt, @record)
       ON CONFLICT (id) DO UPDATE SET status = excluded.status, ended_at = excluded.ended_at,
         record = excluded.record`,
    );
    const clear = db.prepare('DELETE FROM battle_contestants WHERE battle_id = ?');
    const contestant = db.prepare(
      `INSERT OR REPLACE INTO battle_contestants (battle_id, instance_id, name, agent, model, grade, rank)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#put = db.transaction((row: BattleRow) => {
      const { contestants, ...columns } = row;
      battle.run(columns);
      clear.run(row.id);
      for (const c of contestants) {
        contestant.run(row.id, c.instanceId, c.name, c.agent, c.model, c.grade, c.rank);
      }
    });
    const list = db
      .prepare<[], string>('SELECT record FROM battles ORDER BY created_at DESC')
      .pluck();
    this.#list = () => list.all();
    const get = db.prepare<[string], string>('SELECT record FROM battles WHERE id = ?').pluck();
    this.#get = (id) => get.get(id);
    const of = db
      .prepare<[string], string>('SELECT battle_id FROM battle_contestants WHERE instance_id = ?')
      .pluck();
    this.#ofInstance = (instanceId) => of.get(instanceId);
  }

  put(row: BattleRow): void {
    this.#put(row);
  }

  /** Every battle's record (JSON), newest first. */
  records(): string[] {
    return this.#list();
  }

  record(id: string): string | undefined {
    return this.#get(id);
  }

  /** The battle an instance is a contestant of, if any. */
  battleOf(instanceId: string): string | undefined {
    return this.#ofInstance(instanceId);
  }
}
