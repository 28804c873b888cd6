/**
 * What every command gets: the engine (reached over its socket and started on demand, or
 * inside the command with `CORRAL_ENGINE=inline`), `$CORRAL_HOME`, and, for the commands
 * that are not about instances (doctor, image build), the app itself. Both are made once,
 * lazily: a command that does not need dockerode does not load it.
 */
import type { App } from '../app.js';
import type { EngineApi } from '../engine/engine-api.js';
import { getCorralHome, getInstancePaths } from '../state/paths.js';
import { connectEngine, isInlineWanted } from './engine-connect.js';

export interface CommandContext {
  home(): string;
  /** The engine; `inline` runs it inside this command (a terminal session needs that). */
  engine(options?: { inline?: boolean }): Promise<EngineApi>;
  app(): Promise<App>;
  /** Closes what the app opened (the index), if this command built it. */
  close(): void;
  /** Where an instance's workspace is (for the outcome a command prints). */
  workspaceOf(id: string): string;
}

export function createContext(): CommandContext {
  let engine: Promise<EngineApi> | undefined;
  let app: Promise<App> | undefined;
  let built: App | undefined;
  const home = getCorralHome();
  return {
    home: () => home,
    engine: (options = {}) =>
      (engine ??= connectEngine(home, { inline: Boolean(options.inline) || isInlineWanted() })),
    app: () => (app ??= import('../app.js').then((m) => (built = m.createApp()))),
    close: () => built?.close(),
    workspaceOf: (id) => getInstancePaths(home, id).workspace,
  };
}

/** Options every command accepts. */
export interface JsonOption {
  json?: boolean;
}
