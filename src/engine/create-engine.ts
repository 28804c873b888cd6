/**
 * Puts an engine together: the app (backends, orchestrator) whose background runs are this
 * engine's run host, and the services on top. Used by the engine process and, with
 * `CORRAL_ENGINE=inline`, by a command that runs the engine inside itself.
 */
import { existsSync } from 'node:fs';
import { createApp, type App } from '../app.js';
import { notingLog } from '../lib/notes.js';
import { isBattleId } from '../orchestrator/battles/battle-record.js';
import { pushInstance } from '../orchestrator/index.js';
import { getBattlePaths, type Metadata } from '../state/index.js';
import { BattleHost } from './battle-host.js';
import { engineBattleInstances } from './battle-instances.js';
import { EngineService } from './engine-service.js';
import { EventFeed } from './event-feed.js';
import { getRemovedEventsPath } from './removal-event.js';
import { RunHost } from './run-host.js';

export interface Engine {
  app: App;
  host: RunHost;
  service: EngineService;
  battles: BattleHost;
}

export function createEngine(options: {
  version: string;
  socket: string;
  inline: boolean;
  log: (line: string) => void;
  tcp?: () => string | null;
  onShutdown?: (options: { now: boolean }) => Promise<void>;
}): Engine {
  // The app's runs are the host's, made once the app (which the host needs) exists.
  const hosted: { host?: RunHost } = {};
  // Said during a request or a hosted run, a line goes to its asker (lib/notes.ts).
  const log = notingLog(options.log);
  const app = createApp({
    log,
    runs: {
      start: (id, env) => hosted.host?.start(id, env),
      stop: (id) => {
        const done = hosted.host?.stop(id);
        return done?.then((end) => {
          if (end instanceof Error) throw end;
          return end satisfies Metadata;
        });
      },
    },
  });
  const host = (hosted.host = new RunHost(
    app.orchestrator,
    options.log,
    // Inline, the command is the engine: its notes are its own progress lines.
    options.inline ? (_id, line) => options.log(line) : undefined,
    // Inline, a terminal session has the command's own terminal.
    !options.inline,
  ));
  // A battle's events are in the joint stream too, read from its own log.
  const feed = new EventFeed({
    journal: () => app.index.get().journal,
    eventsPath: (id) => {
      if (isBattleId(id)) return getBattlePaths(app.home, id).events;
      const own = app.orchestrator.store.paths(id).events;
      // A removed instance's last word is kept apart (removal-event.ts).
      return existsSync(own) ? own : getRemovedEventsPath(app.home, id);
    },
    flush: (id) => (isBattleId(id) ? battles.flush(id) : host.flush(id)),
    log: options.log,
  });
  host.onEvent((event) => feed.add(event));
  // The battles' drivers start their runs through the service, made right after.
  const served: { service?: EngineService } = {};
  const battles = new BattleHost({
    home: app.home,
    instances: (env) => engineBattleInstances(served.service!, env),
    publish: (event) => feed.add(event),
    push: (request) => pushInstance(app.orchestrator.store, { ...request, log }),
    index: () => app.index.get(),
    log,
  });
  const service = (served.service = new EngineService({
    app,
    host,
    feed,
    battles,
    version: options.version,
    socket: options.socket,
    inline: options.inline,
    ...(options.tcp ? { tcp: options.tcp } : {}),
    ...(options.onShutdown ? { onShutdown: options.onShutdown } : {}),
  }));
  return { app, host, service, battles };
}
