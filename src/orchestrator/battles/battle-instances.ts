/**
 * What a battle needs of instances, and nothing more: start one in the background, wait for
 * its end, read what it printed and what it changed, stop and remove it. The battle driver
 * programs against this seam; the engine that hosts the battle gives it its own services
 * (engine/battle-instances.ts).
 */
import type { Metadata } from '../../state/index.js';
import type { RunRequest } from '../orchestrator.js';

export interface ChangedFile {
  path: string;
  /** Lines; null for a binary file. */
  added: number | null;
  deleted: number | null;
}

export interface BattleInstances {
  /** Creates an instance and starts its run in the background; its first record. */
  start(request: RunRequest): Promise<Metadata>;
  /** The instance of this name, or null: a start a killed driver did not get to record. */
  find(name: string): Promise<Metadata | null>;
  /** Its record once the run has ended (waits; rejects when `signal` aborts). */
  waitForEnd(id: string, signal: AbortSignal): Promise<Metadata>;
  /** What its run printed (terminal-safe), at most the last `maxChars` of it. */
  readOutput(id: string, maxChars: number): Promise<string>;
  /** What its branch changed against its base: the files, and the patch. */
  diff(id: string): Promise<{ files: ChangedFile[]; patch: string }>;
  /** What its model calls cost so far (the gateway's metering). */
  spent(id: string): Promise<{ tokens: number; usd: number }>;
  /** Stops its run (its work is brought back); resolves with the final record. */
  stop(id: string): Promise<Metadata>;
  /** Removes it: its state dir, its sandbox leftovers and, if asked, its branch. */
  remove(id: string, options: { deleteBranch: boolean }): Promise<void>;
}
