import { describe, expect, it } from 'vitest';
import { keptOutputBytes, TerminalHub } from './terminal-hub.js';

function viewer() {
  const seen: string[] = [];
  let ended = 0;
  return {
    seen,
    ended: () => ended,
    viewer: { output: (b: Buffer) => seen.push(b.toString()), ended: () => void ended++ },
  };
}

describe('TerminalHub', () => {
  it('shows a late viewer the kept screen, then what follows, to every viewer', () => {
    const hub = new TerminalHub();
    hub.write(Buffer.from('before '));
    const a = viewer();
    hub.attach(a.viewer);
    const b = viewer();
    hub.attach(b.viewer);
    hub.write(Buffer.from('after'));
    expect(a.seen.join('')).toBe('before after');
    expect(b.seen.join('')).toBe('before after');
  });

  it('keeps only the last stretch of output', () => {
    const hub = new TerminalHub();
    hub.write(Buffer.alloc(keptOutputBytes, 'a'));
    hub.write(Buffer.from('tail'));
    const late = viewer();
    hub.attach(late.viewer);
    const kept = late.seen.join('');
    expect(kept.length).toBe(keptOutputBytes);
    expect(kept.endsWith('tail')).toBe(true);
  });

  it("passes keys on, sizes the window with a sane size only, and ignores a detached viewer's keys", () => {
    const hub = new TerminalHub();
    const keys: string[] = [];
    hub.input.on('data', (b: Buffer) => keys.push(b.toString()));
    const sizes: unknown[] = [];
    hub.onResize((size) => sizes.push(size));
    const a = hub.attach(viewer().viewer);
    a.input('ls\r');
    a.resize({ rows: 30, cols: 100 });
    a.resize({ rows: 0, cols: 100 });
    a.resize({ rows: 30, cols: 1e6 });
    a.detach();
    a.input('rm -rf /\r');
    a.resize({ rows: 10, cols: 10 });
    expect(keys).toEqual(['ls\r']);
    expect(sizes).toEqual([{ rows: 30, cols: 100 }]);
    expect(hub.size()).toEqual({ rows: 30, cols: 100 });
  });

  it('tells viewers the session ended, and one attaching afterwards at once', () => {
    const hub = new TerminalHub();
    const a = viewer();
    hub.attach(a.viewer);
    hub.write(Buffer.from('bye'));
    hub.end();
    expect(a.ended()).toBe(1);
    const late = viewer();
    hub.attach(late.viewer).input('ignored');
    expect(late.seen.join('')).toBe('bye');
    expect(late.ended()).toBe(1);
    expect(hub.ended).toBe(true);
  });
});
