import { mkdtemp, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EventLog } from './event-log.js';
import { EventSink } from './event-bus.js';
import { describeEvent } from './events.js';

describe('EventSink and EventLog', () => {
  it('appends versioned events and reads them back; keeps unparseable lines as raw', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'events-')), 'events.ndjson');
    const log = new EventLog(path, 'shell-abcde');
    const sink = new EventSink(path);
    sink.push({ id: 'shell-abcde', type: 'process.exited', exitCode: 3, signal: null });
    await sink.flush();
    await appendFile(path, 'not json at all\n');
    const events = await log.load();
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({ v: 1, type: 'process.exited', exitCode: 3 });
    expect(events[1]).toMatchObject({ type: 'raw', line: 'not json at all' });
    expect(describeEvent(events[0]!)).toBe('process exited with 3');
  });
});
