/**
 * Kill -9 the engine at random moments while runs start, print and bring their work back,
 * and let the next command start a new engine, which takes the runs up. Promised: every
 * run's work is on its branch, every event is in its log exactly once (sequence numbers
 * without a gap or a repeat, each line of output once), output.log has each line once, and
 * after `gc` no container or network of the home is left. Docker (fenced too) and local.
 */
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { corral, makeHome, readEvents, waitFor } from '../helpers/cli.js';
import { killEnginesAndWait } from '../helpers/engine.js';
import { makeRepo } from '../helpers/git-repo.js';

const lines = 25;
const script = (i: number) =>
  `for k in $(seq 1 ${lines}); do echo "out ${i} $k"; echo "err ${i} $k" >&2; sleep 0.04; done; echo ${i} > f${i}.txt`;

interface Event {
  seq: number;
  type: string;
  line?: string;
  stream?: string;
}

const cases: Array<[string, string[]]> = [
  ['docker', ['--backend', 'docker']],
  ['docker, fenced', ['--backend', 'docker', '--allow-host', 'registry.test']],
  ['local', ['--backend', 'local']],
];

describe.each(cases)('kill -9 of the engine (%s)', (_name, flags) => {
  it(
    'at random moments across 10 runs: the work, every event once, nothing left after gc',
    { timeout: 900_000 },
    async () => {
      const home = await makeHome();
      const repo = await makeRepo();
      const ids: string[] = [];
      const phasesAtKill: string[] = [];
      for (let round = 0; round < 2; round++) {
        const started: string[] = [];
        for (let j = 0; j < 5; j++) {
          const i = round * 5 + j;
          const r = await corral(home, ['run', '-d', ...flags, '--', 'sh', '-c', script(i)], {
            cwd: repo.dir,
          });
          expect(r.code, r.stderr).toBe(0);
          started.push(r.stdout.trim());
          if (Math.random() < 0.4) phasesAtKill.push(...(await killNow(home, started)));
        }
        ids.push(...started);
        // Once for sure while a command runs (a fenced start is long: random kills may all
        // land in it), unless the round's runs are all over by now.
        const running = await waitFor(
          'a run of the round running, or all ended',
          async () => {
            // A command, so that an engine runs (the last kill may have left none).
            expect((await corral(home, ['ls'])).code).toBe(0);
            const phases = await Promise.all(started.map((id) => runPhase(home, id)));
            if (phases.includes('running')) return 'running';
            return phases.every((p) => p === 'ended') ? 'ended' : undefined;
          },
          300_000,
        );
        if (running === 'running') phasesAtKill.push(...(await killNow(home, started)));
        // Kill again at random moments until this round's runs have all ended.
        for (let kills = 0; ; kills++) {
          const ls = await corral(home, ['ls', '--json']);
          expect(ls.code, ls.stderr).toBe(0);
          const open = ls
            .json<{ instances: Array<{ id: string; status: string }> }>()
            .instances.filter(
              (m) => started.includes(m.id) && ['running', 'created'].includes(m.status),
            );
          if (open.length === 0) break;
          if (kills < 4) {
            await new Promise((r) => setTimeout(r, Math.random() * 1500));
            phasesAtKill.push(...(await killNow(home, started)));
          } else {
            await new Promise((r) => setTimeout(r, 500));
          }
        }
      }
      // The kills hit runs while they ran (and, by chance, while starting or finishing).
      expect(phasesAtKill).toContain('running');

      for (const [i, id] of ids.entries()) {
        const m = JSON.parse(
          await readFile(join(home, 'instances', id, 'metadata.json'), 'utf8'),
        ) as { status: string; message: string | null };
        expect(m.status, `${id}: ${m.message}`).toBe('succeeded');
        expect(repo.show(`corral/${id}`, `f${i}.txt`)).toBe(`${i}\n`);
        const events = await readEvents<Event>(home, id);
        expect(events.map((e) => e.seq)).toEqual(events.map((_, k) => k + 1));
        const once = (type: string) => events.filter((e) => e.type === type).length;
        for (const type of [
          'instance.created',
          'instance.started',
          'process.exited',
          'bring-back.done',
          'instance.ended',
        ])
          expect(once(type), `${id} ${type}`).toBe(1);
        const out = events.filter((e) => e.type === 'raw').map((e) => `${e.stream}:${e.line}`);
        const expected = Array.from({ length: lines }, (_, k) => [
          `stdout:out ${i} ${k + 1}`,
          `stderr:err ${i} ${k + 1}`,
        ]).flat();
        expect([...out].sort()).toEqual([...expected].sort());
        const log = await readFile(join(home, 'instances', id, 'output.log'), 'utf8');
        for (let k = 1; k <= lines; k++) {
          expect(log.split(`out ${i} ${k}\n`).length - 1, `${id} output.log line ${k}`).toBe(1);
        }
      }

      const gc = await corral(home, ['gc', '--json']);
      expect(gc.code, gc.stderr).toBe(0);
      const label = `label=corral.home=${home}`;
      const left = dockerIds('ps', '-a', '--filter', label, '--format', '{{.Names}} {{.Status}}');
      expect(left, 'containers left after gc').toEqual([]);
      for (const id of ids) {
        expect(
          dockerIds('network', 'ls', '-q', '--filter', `label=com.docker.compose.project=${id}`),
        ).toEqual([]);
      }
    },
  );
});

/** The phase of a run's supervision, or 'ended' once its record says it ended. */
async function runPhase(home: string, id: string): Promise<string | undefined> {
  try {
    const m = JSON.parse(await readFile(join(home, 'instances', id, 'metadata.json'), 'utf8')) as {
      status: string;
      run: { phase: string } | null;
    };
    if (!['created', 'running'].includes(m.status)) return 'ended';
    return m.run?.phase;
  } catch {
    return undefined;
  }
}

/** Kills the engine now; returns the phase each given run was in at that moment. */
async function killNow(home: string, ids: string[]): Promise<string[]> {
  const phases: string[] = [];
  for (const id of ids) {
    try {
      const m = JSON.parse(
        await readFile(join(home, 'instances', id, 'metadata.json'), 'utf8'),
      ) as {
        run: { phase: string } | null;
      };
      if (m.run) phases.push(m.run.phase);
    } catch {
      // not written yet
    }
  }
  await killEnginesAndWait(home);
  return phases;
}

function dockerIds(...args: string[]): string[] {
  return execFileSync('docker', args, { encoding: 'utf8' }).split('\n').filter(Boolean);
}
