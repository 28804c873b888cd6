/**
 * What the joint event stream (`GET /v1/events`) says when an instance is removed: its own
 * log goes with its state dir, so its last word, `instance.removed` (numbered after its
 * last event), is kept in a small log of its own under `$CORRAL_HOME/removed/`, where the
 * feed reads it when the instance's log is gone. A page that follows the stream drops the
 * instance at once, and one that catches up later learns it too.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CorralEvent, eventSchemaVersion } from '../events/index.js';

export function getRemovedEventsPath(home: string, id: string): string {
  return join(home, 'removed', `${id}.ndjson`);
}

/** Writes the removal as event `seq` of `id` and returns it (for the feed). */
export async function writeRemovalEvent(
  home: string,
  id: string,
  seq: number,
): Promise<CorralEvent> {
  const event = CorralEvent.parse({
    v: eventSchemaVersion,
    seq,
    ts: new Date().toISOString(),
    id,
    type: 'instance.removed',
  });
  const path = getRemovedEventsPath(home, id);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(event)}\n`);
  return event;
}
