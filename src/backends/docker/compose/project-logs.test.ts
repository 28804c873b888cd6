import { describe, expect, it } from 'vitest';
import { demuxLog } from './project-logs.js';

function frame(stream: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe('demuxLog', () => {
  it('joins the frames of stdout and stderr in their order', () => {
    const raw = Buffer.concat([frame(1, 'ready\n'), frame(2, 'warn: x\n'), frame(1, 'done\n')]);
    expect(demuxLog(raw).toString()).toBe('ready\nwarn: x\ndone\n');
  });

  it("keeps a TTY's log, which has no frames, as it is", () => {
    expect(demuxLog(Buffer.from('plain output\r\n')).toString()).toBe('plain output\r\n');
  });

  it('keeps the bytes when frames stop making sense part way', () => {
    const raw = Buffer.concat([frame(1, 'ok\n'), Buffer.from('\x07 not a header')]);
    expect(demuxLog(raw)).toEqual(raw);
  });

  it('reads an empty log as empty', () => {
    expect(demuxLog(Buffer.alloc(0)).length).toBe(0);
  });
});
