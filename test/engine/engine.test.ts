/**
 * The engine, through the built CLI and its socket: one engine per home however many
 * commands race to start it; the socket is the owner's alone; an engine of another build
 * is replaced and its runs go on under the new one; events over SSE resume exactly where a
 * dropped connection left off, for one instance and for all of them (across an engine
 * killed meanwhile); a client that does not read is dropped and never slows a run; 20
 * instances at once all bring their work back.
 */
import { execFileSync } from 'node:child_process';
import Dockerode from 'dockerode';
import { cp, mkdtemp, readFile, stat, symlink, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliPath, corral, makeHome, readEvents, waitFor, waitForEnd } from '../helpers/cli.js';
import { findEngines, killEnginesAndWait, openSse, type SseMessage } from '../helpers/engine.js';
import { makeRepo } from '../helpers/git-repo.js';
import { RemoteEngine } from '../../src/cli/engine-client.js';

const distDir = resolve(cliPath, '..', '..');

/** An engine of this build for `home` (a command starts it), driven through its API. */
async function engineOf(home: string): Promise<RemoteEngine> {
  expect((await corral(home, ['ls'])).code).toBe(0);
  return new RemoteEngine({
    socket: join(home, 'run', 'engine.sock'),
    reconnect: () => Promise.resolve(),
  });
}

/** The request that creates and starts a shell instance on docker. */
function shellRun(
  repoDir: string,
  command: string[],
  extra: { keep?: boolean; allowHosts?: string[] } = {},
) {
  return {
    request: {
      repoDir,
      agent: 'shell',
      command,
      backend: 'docker' as const,
      keep: false,
      interactive: false,
      limits: { memoryBytes: 512 * 1024 ** 2, cpus: 1, pids: 256 },
      ...extra,
    },
    env: {},
    start: true,
  };
}

describe('the engine process', () => {
  it('two commands racing to start it get one engine, on a socket only its owner can use', async () => {
    const home = await makeHome();
    const runs = await Promise.all(Array.from({ length: 6 }, () => corral(home, ['ls', '--json'])));
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    // Every command that found none may have started one; all but one leave at once.
    const engines = await waitFor('one engine left', () => {
      const pids = findEngines(home);
      return Promise.resolve(pids.length === 1 ? pids : undefined);
    });
    const status = await corral(home, ['engine', 'status', '--json']);
    expect(status.json()).toMatchObject({ running: true, pid: engines[0], instances: [] });
    expect((await stat(join(home, 'run', 'engine.sock'))).mode & 0o777).toBe(0o600);
    // Stopped, it is gone, and the next command starts a new one.
    const stopped = await corral(home, ['engine', 'stop', '--json']);
    expect(stopped.json()).toMatchObject({ stopped: true, pid: engines[0] });
    expect(findEngines(home)).toEqual([]);
    expect((await corral(home, ['ls'])).code).toBe(0);
    expect(findEngines(home)).toHaveLength(1);
  });

  it('an engine of another build is replaced, says so, and its runs go on under the new one', async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    // Another build: the same code from another place, built at another time.
    const other = await mkdtemp(join(tmpdir(), 'corral-other-build-'));
    await cp(distDir, join(other, 'dist'), { recursive: true });
    await cp(join(distDir, '..', 'package.json'), join(other, 'package.json'));
    await symlink(join(distDir, '..', 'node_modules'), join(other, 'node_modules'));
    const old = new Date(Date.now() - 86_400_000);
    await utimes(join(other, 'dist', 'engine', 'engine-main.js'), old, old);
    const oldCli = join(other, 'dist', 'cli', 'main.js');
    const started = execFileSync(
      process.execPath,
      [oldCli, 'run', '-d', '--backend', 'local', '--', 'sh', '-c', 'sleep 2; echo done > d.txt'],
      { cwd: repo.dir, env: { ...process.env, CORRAL_HOME: home }, encoding: 'utf8' },
    ).trim();
    const [oldEngine] = findEngines(home);
    expect(oldEngine).toBeDefined();

    const ls = await corral(home, ['ls', '--json']);
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stderr).toMatch(/not this build's .*replacing it/);
    const now = findEngines(home);
    expect(now).toHaveLength(1);
    expect(now[0]).not.toBe(oldEngine);
    expect(await waitForEnd(home, started)).toBe('succeeded');
    expect(repo.show(`corral/${started}`, 'd.txt')).toBe('done\n');
  });
});

describe('events over SSE', () => {
  it('a dropped connection resumes with Last-Event-ID: exactly the missed events, none twice', async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    const script = 'for i in $(seq 1 60); do echo line $i >&2; sleep 0.02; done';
    const r = await corral(home, ['run', '-d', '--backend', 'local', '--', 'sh', '-c', script], {
      cwd: repo.dir,
    });
    const id = r.stdout.trim();
    const first: SseMessage[] = [];
    const dropAt = 5;
    await new Promise<void>((done) => {
      const s = openSse(home, `/v1/instances/${id}/events`, {}, (m) => {
        // A batch can hold more than the client reads before it drops the connection.
        if (m.event !== 'event' || first.length === dropAt) return;
        first.push(m);
        if (first.length === dropAt) {
          s.req.destroy();
          done();
        }
      });
    });
    const rest: SseMessage[] = [];
    const resumed = openSse(
      home,
      `/v1/instances/${id}/events`,
      { 'last-event-id': first.at(-1)!.id! },
      (m) => {
        if (m.event === 'event') rest.push(m);
      },
    );
    await resumed.ended;
    const seen = [...first, ...rest].map((m) => Number(m.id));
    const inFile = (await readEvents<{ seq: number }>(home, id)).map((e) => e.seq);
    expect(seen).toEqual(inFile);
    expect(new Set(seen).size).toBe(seen.length);
    expect(rest[0]!.id).toBe(String(dropAt + 1));
  });

  it('a client that does not read is dropped, and the run does not wait for it', async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    // Many events quickly: more than a client may fall behind by (8 MiB of them).
    const script = 'seq 1 120000 >&2';
    const r = await corral(home, ['run', '-d', '--backend', 'local', '--', 'sh', '-c', script], {
      cwd: repo.dir,
    });
    const id = r.stdout.trim();
    let got = 0;
    const slow = openSse(home, `/v1/instances/${id}/events`, {}, () => got++);
    const res = await slow.response;
    res.pause();
    // The run ends while the client reads nothing.
    expect(await waitForEnd(home, id, 120_000)).toBe('succeeded');
    const events = await readEvents<{ type: string }>(home, id);
    expect(events.filter((e) => e.type === 'raw')).toHaveLength(120000);
    // Read on: the server had closed the stream on it, without its end.
    res.resume();
    await slow.ended;
    expect(got).toBeLessThan(events.length);
  });
});

describe("every instance's events in one stream (GET /v1/events)", () => {
  it('resumes after a dropped connection and an engine killed meanwhile: each event once, in order, none missing', async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    const script = 'for i in $(seq 1 40); do echo line $i >&2; sleep 0.05; done';
    const ids = await Promise.all(
      [0, 1].map(async () => {
        const r = await corral(
          home,
          ['run', '-d', '--backend', 'local', '--', 'sh', '-c', script],
          {
            cwd: repo.dir,
          },
        );
        expect(r.code, r.stderr).toBe(0);
        return r.stdout.trim();
      }),
    );
    type Entry = { gseq: number; event: { id: string; seq: number; type: string } };
    const seen: Entry[] = [];
    const dropAt = 10;
    await new Promise<void>((done) => {
      const s = openSse(home, '/v1/events', {}, (m) => {
        if (m.event !== 'event' || seen.length >= dropAt) return;
        const entry = JSON.parse(m.data) as Entry;
        expect(m.id).toBe(String(entry.gseq));
        seen.push(entry);
        if (seen.length === dropAt) {
          s.req.destroy();
          done();
        }
      });
    });
    // The engine dies while both run on; the next command starts one, which takes them up.
    expect((await killEnginesAndWait(home)).length).toBe(1);
    expect((await corral(home, ['ls'])).code).toBe(0);
    const ended = new Set<string>();
    await new Promise<void>((done) => {
      const s = openSse(home, '/v1/events', { 'last-event-id': String(seen.at(-1)!.gseq) }, (m) => {
        if (m.event !== 'event') return;
        const entry = JSON.parse(m.data) as Entry;
        seen.push(entry);
        if (entry.event.type === 'instance.ended') ended.add(entry.event.id);
        if (ended.size === 2) {
          s.req.destroy();
          done();
        }
      });
    });
    // instance.ended reaches a follower as it is said, a moment before its log is flushed
    // and the record made final: the logs are compared once the records are.
    for (const id of ids) expect(await waitForEnd(home, id, 60_000)).toBe('succeeded');
    const gseqs = seen.map((e) => e.gseq);
    expect(gseqs).toEqual([...gseqs].sort((a, b) => a - b));
    expect(new Set(gseqs).size).toBe(gseqs.length);
    for (const id of ids) {
      const inFile = (await readEvents<{ seq: number }>(home, id)).map((e) => e.seq);
      expect(seen.filter((e) => e.event.id === id).map((e) => e.event.seq)).toEqual(inFile);
    }
  });
});

describe('a removed instance in the joint stream', () => {
  it('says instance.removed, numbered after its last event, live and to one catching up', async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    const run = await corral(home, ['run', '--backend', 'local', '--', 'sh', '-c', 'echo hi'], {
      cwd: repo.dir,
    });
    expect(run.code, run.stderr).toBe(0);
    const id = /corral: (shell-[a-z0-9]+)/.exec(run.stderr)![1]!;
    const last = (await readEvents<{ seq: number }>(home, id)).at(-1)!.seq;
    type Entry = { gseq: number; event: { id: string; seq: number; type: string } };
    const live: Entry[] = [];
    let ready!: () => void;
    const following = new Promise<void>((r) => (ready = r));
    const removedLive = new Promise<void>((done) => {
      const s = openSse(home, '/v1/events?after=-1', {}, (m) => {
        if (m.event === 'ready') ready();
        if (m.event !== 'event') return;
        live.push(JSON.parse(m.data) as Entry);
        if (live.at(-1)!.event.type === 'instance.removed') {
          s.req.destroy();
          done();
        }
      });
    });
    await following;
    const rm = await corral(home, ['rm', id]);
    expect(rm.code, rm.stderr).toBe(0);
    await removedLive;
    expect(live.map((e) => [e.event.id, e.event.type, e.event.seq])).toEqual([
      [id, 'instance.removed', last + 1],
    ]);
    // Caught up from the start: its own events went with it, its removal is there.
    const replayed: Entry[] = [];
    await new Promise<void>((done) => {
      openSse(home, '/v1/events?follow=false', {}, (m) => {
        if (m.event === 'event') replayed.push(JSON.parse(m.data) as Entry);
        if (m.event === 'ready') done();
      });
    });
    expect(replayed.filter((e) => e.event.id === id).map((e) => e.event.type)).toEqual([
      'instance.removed',
    ]);
  });
});

describe('many instances at once', () => {
  it('20 runs started at once all end with their work on their branches', async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    const ids = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const r = await corral(home, ['run', '-d', '--', 'sh', '-c', `echo ${i} > n${i}.txt`], {
          cwd: repo.dir,
        });
        expect(r.code, r.stderr).toBe(0);
        return r.stdout.trim();
      }),
    );
    expect(new Set(ids).size).toBe(20);
    await waitFor(
      'all 20 to end',
      async () => {
        const ls = await corral(home, ['ls', '--json']);
        const all = ls.json<{ instances: Array<{ status: string }> }>().instances;
        return all.length === 20 && all.every((m) => m.status === 'succeeded') ? true : undefined;
      },
      300_000,
    );
    ids.forEach((id, i) => expect(repo.show(`corral/${id}`, `n${i}.txt`)).toBe(`${i}\n`));
    expect(findEngines(home)).toHaveLength(1);
    const meta = JSON.parse(
      await readFile(join(home, 'instances', ids[0]!, 'metadata.json'), 'utf8'),
    ) as { supervisor: unknown };
    expect(meta.supervisor).toBeNull();
  });

  it("tells a run's end once its record is final; resumed or removed at once, it goes on after its sandbox is released", async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    const engine = await engineOf(home);
    const created = await engine.createInstance(
      shellRun(repo.dir, ['sh', '-c', 'echo one > one.txt'], { keep: true }),
    );
    const endOf = async (id: string) => {
      await engine.followEvents(id, { after: 0, follow: true }, () => undefined);
      return engine.getInstance(id);
    };
    expect((await endOf(created.id)).status).toBe('succeeded');
    // Told before its sandbox is gone (the positive control of the waits below).
    const docker = new Dockerode();
    const sandboxes = () =>
      docker.listContainers({
        all: true,
        filters: { label: [`corral.instance=${created.id}`] },
      });
    const releasing = (await sandboxes()).length > 0;
    const resumed = await engine.resumeInstance(created.id, {
      command: ['sh', '-c', 'cat one.txt > two.txt'],
      interactive: false,
      env: {},
      start: true,
    });
    expect(resumed.status).toBe('created');
    const again = await endOf(created.id);
    expect(again.status, again.message ?? '').toBe('succeeded');
    expect(repo.show(`corral/${created.id}`, 'two.txt')).toBe('one\n');
    await engine.removeInstance(created.id, { force: false, deleteBranch: false });
    expect(await sandboxes()).toEqual([]);
    expect(releasing).toBe(true);
  });

  it("tells a fenced run's end with its agent ended and compose.log written, and takes the project down after", async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    const engine = await engineOf(home);
    // A host allowed: a Compose project of the agent and its gateway.
    const created = await engine.createInstance(
      shellRun(repo.dir, ['sh', '-c', 'echo fenced > out.txt'], { allowHosts: ['example.test'] }),
    );
    await engine.followEvents(created.id, { after: 0, follow: true }, () => undefined);
    const docker = new Dockerode();
    const project = () =>
      docker.listContainers({ all: true, filters: { label: [`corral.instance=${created.id}`] } });
    // At the end: the project is still there (the positive control of the wait below), its
    // agent no longer runs, and compose.log is written.
    const networks = () =>
      docker.listNetworks({ filters: { label: [`com.docker.compose.project=${created.id}`] } });
    const atEnd = await project();
    const networksAtEnd = await networks();
    const ended = await engine.getInstance(created.id);
    expect(ended.status, ended.message ?? '').toBe('succeeded');
    expect(repo.show(`corral/${created.id}`, 'out.txt')).toBe('fenced\n');
    expect(atEnd.length).toBeGreaterThan(0);
    expect(networksAtEnd.length).toBeGreaterThan(0);
    const agentAtEnd = atEnd.find((c) => c.Labels['corral.service'] !== 'gateway');
    expect(agentAtEnd === undefined || agentAtEnd.State !== 'running').toBe(true);
    const composeLog = await readFile(join(home, 'instances', created.id, 'compose.log'), 'utf8');
    expect(composeLog).toContain('gateway');
    await waitFor('the project taken down', async () =>
      (await project()).length === 0 ? true : undefined,
    );
    expect(await networks()).toEqual([]);
  });
});
