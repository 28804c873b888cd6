import { mkdtemp, appendFile, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EventLog } from './event-log.js';
import { EventBus, readEventsAfter } from './event-bus.js';
import { describeEvent, type CorralEvent } from './events.js';

const id = 'shell-abcde';
const exited = { id, type: 'process.exited' as const, exitCode: 3, signal: null };

async function logPath(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'events-')), 'events.ndjson');
}

describe('EventBus and EventLog', () => {
  it('appends versioned events and reads them back; keeps unparseable lines as raw', async () => {
    const path = await logPath();
    const bus = await EventBus.open(path, id);
    bus.push(exited);
    await bus.flush();
    await appendFile(path, 'not json at all\n');
    const events = await new EventLog(path, id).load();
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({ v: 1, seq: 1, type: 'process.exited', exitCode: 3 });
    expect(events[1]).toMatchObject({ type: 'raw', line: 'not json at all' });
    expect(describeEvent(events[0]!)).toBe('process exited with 3');
  });

  it('numbers events by their line, goes on from an existing log, and tells listeners the same', async () => {
    const path = await logPath();
    const first = await EventBus.open(path, id);
    first.push(exited);
    first.push(exited);
    await first.flush();
    const bus = await EventBus.open(path, id);
    expect(bus.lastSeq).toBe(2);
    const heard: CorralEvent[] = [];
    bus.subscribe((e) => heard.push(e));
    const pushed = bus.push({ id, type: 'raw', line: 'three' });
    expect(pushed.seq).toBe(3);
    await bus.flush();
    expect(heard).toEqual([pushed]);
    expect((await readEventsAfter(path, id, 2)).map((e) => e.seq)).toEqual([3]);
    expect(await readEventsAfter(path, id, 3)).toEqual([]);
  });

  it('drops a half-written last line (a crash mid-append) and cuts back to a cursor', async () => {
    const path = await logPath();
    const bus = await EventBus.open(path, id);
    bus.push(exited);
    await bus.flush();
    const oneLine = bus.bytes;
    await appendFile(path, '{"v":1,"seq":2,"ts":"x","id":"shell-abcde","type":"raw","li');
    const reopened = await EventBus.open(path, id);
    expect(reopened.lastSeq).toBe(1);
    expect((await readFile(path)).length).toBe(oneLine);
    reopened.push(exited);
    reopened.push(exited);
    await reopened.flush();
    const cut = await EventBus.open(path, id, { truncateTo: oneLine });
    expect(cut.lastSeq).toBe(1);
    expect(cut.push(exited).seq).toBe(2);
  });

  it('numbers lines of an old log written without sequence numbers', async () => {
    const path = await logPath();
    await writeFile(
      path,
      `${JSON.stringify({ v: 1, ts: 't', ...exited })}\n${JSON.stringify({ v: 1, ts: 't', ...exited })}\n`,
    );
    expect((await readEventsAfter(path, id, 1)).map((e) => e.seq)).toEqual([2]);
  });
});
