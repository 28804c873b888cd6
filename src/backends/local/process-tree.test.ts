import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { isProcessGroupAlive } from './process-tree.js';

const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) child.kill('SIGKILL');
});

/**
 * A process group whose only process has ended but is not reaped: a perl parent (outside
 * the group) forks a child that makes its own group and exits; the parent never waits.
 */
async function zombieGroup(): Promise<number> {
  const parent = spawn(
    'perl',
    [
      '-e',
      'my $pid = fork; if ($pid == 0) { setpgrp(0, 0); exit 0 } $| = 1; print "$pid\\n"; sleep 30',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  started.push(parent);
  const pid = await new Promise<number>((resolve) =>
    parent.stdout.once('data', (b: Buffer) => resolve(Number(b.toString().trim()))),
  );
  // Until the child has exited and made its group, it is not a zombie yet.
  for (let i = 0; i < 200; i++) {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' && Number(fields[2]) === pid) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  return pid;
}

describe('isProcessGroupAlive', () => {
  it('is true for a group with a running process', () => {
    const child = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    started.push(child);
    expect(isProcessGroupAlive(child.pid!)).toBe(true);
  });

  it('is false for a group of one unreaped zombie', async () => {
    const pgid = await zombieGroup();
    // The control: the kernel still has the group (what a bare kill(-pgid, 0) sees).
    expect(() => process.kill(-pgid, 0)).not.toThrow();
    expect(readFileSync(`/proc/${pgid}/stat`, 'utf8')).toMatch(/\) Z /);
    expect(isProcessGroupAlive(pgid)).toBe(false);
  });

  it('is false for a group that is gone', async () => {
    const child = spawn('true', [], { detached: true, stdio: 'ignore' });
    await new Promise((resolve) => child.once('exit', resolve));
    expect(isProcessGroupAlive(child.pid!)).toBe(false);
  });
});
