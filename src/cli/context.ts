/** What every command gets: the app (built lazily, once) and the global flags. */
import { createApp, type App } from '../app.js';

export interface CommandContext {
  app(): App;
  /** Closes what the app opened, if it was built. */
  close(): void;
}

export function createContext(): CommandContext {
  let app: App | undefined;
  return { app: () => (app ??= createApp()), close: () => app?.close() };
}

/** Options every command accepts. */
export interface JsonOption {
  json?: boolean;
}
