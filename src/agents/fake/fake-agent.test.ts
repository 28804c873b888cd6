/** The fake agent's script really runs (plain sh here) and reads back as agent events. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../events/line-splitter.js';
import type { AgentEvent } from '../agent.js';
import { fakeAgent } from './fake-agent.js';

function runFake(script: string) {
  const dir = mkdtempSync(join(tmpdir(), 'corral-fake-'));
  const launch = fakeAgent.launch({
    prompt: script,
    interactive: false,
    args: [],
    sessionId: null,
    context: null,
    workdir: dir,
    stateDir: join(dir, '.corral'),
  });
  const r = spawnSync(launch.argv[0]!, launch.argv.slice(1), {
    cwd: dir,
    env: { ...process.env, ...launch.env },
  });
  const parser = fakeAgent.createParser();
  const events: AgentEvent[] = [];
  const splitter = new LineSplitter((line) => events.push(...parser.line(line)));
  splitter.push(r.stdout);
  splitter.end();
  events.push(...parser.end());
  return { dir, status: r.status, events };
}

describe('fake agent', () => {
  it('edits files, runs commands and reports them as events', () => {
    const { dir, status, events } = runFake(
      'say hello "world"\nwrite src/a.txt one\nappend src/a.txt two\nrun echo out; exit 3',
    );
    expect(status).toBe(0);
    expect(readFileSync(join(dir, 'src/a.txt'), 'utf8')).toBe('one\ntwo\n');
    expect(events.map((e) => e.type)).toEqual([
      'agent.text',
      'agent.tool-call',
      'agent.file-change',
      'agent.tool-call',
      'agent.file-change',
      'agent.tool-call',
      'agent.command',
      'agent.usage',
      'agent.end',
    ]);
    expect(events[0]).toEqual({ type: 'agent.text', text: 'hello "world"' });
    expect(events[6]).toMatchObject({ command: 'echo out; exit 3', exitCode: 3, output: 'out' });
    expect(events[8]).toMatchObject({ ok: true });
  });

  it('ends unsuccessfully on fail', () => {
    const { status, events } = runFake('fail cannot do it\nsay never');
    expect(status).toBe(1);
    expect(events.map((e) => e.type)).toEqual(['agent.error', 'agent.usage', 'agent.end']);
  });
});
