/** What every command gets: the app (built lazily, once) and the global flags. */
import { createApp, type App } from '../app.js';

export interface CommandContext {
  app(): App;
}

export function createContext(): CommandContext {
  let app: App | undefined;
  return { app: () => (app ??= createApp()) };
}

/** Options every command accepts. */
export interface JsonOption {
  json?: boolean;
}
