/**
 * `--setup-env NAME`: a variable of the user's environment that the setup alone gets. The
 * setup sees it (the positive control: it prints the value's hash, and fails without it),
 * the command or agent after it does not (its whole environment, on the branch, holds
 * neither the name nor the value), the value is redacted from what the setup printed, and
 * it is in no file under $CORRAL_HOME (the search finds the hash the setup printed, and the
 * value itself in a file planted for the purpose). In a battle the grading sandboxes run the
 * setup with it too, and the code under test there (the repository's tests) cannot read it.
 * A name missing from the environment is a one-line error (exit 5) before anything starts.
 * `corral run` on both backends; the battle and the refusals on the local backend.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { corral, makeHome, readEvents } from '../helpers/cli.js';
import { makeDatesRepo } from '../helpers/dates-repo.js';
import { killEnginesAndWait } from '../helpers/engine.js';
import { makeRepo } from '../helpers/git-repo.js';

const made: string[] = [];
afterAll(async () => {
  for (const dir of made) {
    await killEnginesAndWait(dir).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
});

async function home(): Promise<string> {
  const dir = await makeHome();
  made.push(dir);
  return dir;
}

function newSecret(): { value: string; hash: string } {
  const value = `tok-${randomBytes(16).toString('hex')}`;
  return { value, hash: createHash('sha256').update(value).digest('hex').slice(0, 16) };
}

/** The setup: fails without the variable, says its hash, and prints the value itself. */
const setup =
  'test -n "${SETUP_TOKEN:-}" || { echo "no SETUP_TOKEN" >&2; exit 9; }; ' +
  'echo "hash $(printf %s "$SETUP_TOKEN" | sha256sum | cut -c1-16)"; echo "token=$SETUP_TOKEN"';

/** Every file under `dir` whose bytes hold `needle`. */
async function filesHolding(dir: string, needle: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const bytes = await readFile(path).catch(() => null);
    if (bytes?.includes(needle)) found.push(path);
  }
  return found;
}

interface SetupEvent {
  type: string;
  exitCode?: number | null;
  output?: string;
}

describe.each(['local', 'docker'])('corral run --setup-env (%s)', (backend) => {
  it('gives the setup alone the variable, redacted, written nowhere under the home', async () => {
    const h = await home();
    const repo = await makeRepo();
    made.push(repo.dir);
    const secret = newSecret();
    const r = await corral(
      h,
      [
        'run',
        '--backend',
        backend,
        '--setup',
        setup,
        '--setup-env',
        'SETUP_TOKEN',
        '--json',
        '--',
        'sh',
        '-c',
        'env > agent-env.txt; echo "${SETUP_TOKEN:-unset}" > agent-saw.txt',
      ],
      { cwd: repo.dir, env: { SETUP_TOKEN: secret.value }, timeoutMs: 180_000 },
    );
    expect(r.code, r.stderr).toBe(0);
    const out = r.json<{ id: string; branch: string }>();
    // The setup saw it (its hash), and what it printed of it is redacted.
    const events = await readEvents<SetupEvent>(h, out.id);
    const ended = events.find((e) => e.type === 'setup.ended');
    expect(ended).toMatchObject({ exitCode: 0 });
    expect(ended?.output).toContain(`hash ${secret.hash}`);
    expect(ended?.output).toContain('token=[redacted]');
    expect(ended?.output).not.toContain(secret.value);
    // The command after it never had it.
    expect(repo.show(out.branch, 'agent-saw.txt')).toBe('unset\n');
    const agentEnv = repo.show(out.branch, 'agent-env.txt')!;
    expect(agentEnv).toContain('PATH=');
    expect(agentEnv).not.toContain('SETUP_TOKEN');
    expect(agentEnv).not.toContain(secret.value);
    // The record keeps the name, and no file under the home the value; the search does
    // find what is there (the hash in the events, the value in a file put there for it).
    const meta = JSON.parse(
      await readFile(join(h, 'instances', out.id, 'metadata.json'), 'utf8'),
    ) as { setup: { env: string[] } };
    expect(meta.setup.env).toEqual(['SETUP_TOKEN']);
    expect(await filesHolding(h, secret.hash)).not.toEqual([]);
    expect(await filesHolding(h, secret.value)).toEqual([]);
    const planted = join(h, 'planted-control');
    await writeFile(planted, `x${secret.value}x`);
    expect(await filesHolding(h, secret.value)).toEqual([planted]);
  }, 240_000);
});

describe('corral run --setup-env, refused', () => {
  it('refuses a variable not set here (exit 5), and --setup-env without --setup (exit 2)', async () => {
    const h = await home();
    const repo = await makeRepo();
    made.push(repo.dir);
    const missing = await corral(
      h,
      [
        'run',
        '--backend',
        'local',
        '--setup',
        'true',
        '--setup-env',
        'CORRAL_TEST_UNSET',
        '--',
        'true',
      ],
      { cwd: repo.dir, env: { CORRAL_TEST_UNSET: '' } },
    );
    expect(missing.code).toBe(5);
    expect(missing.stderr).toMatch(/--setup-env CORRAL_TEST_UNSET: CORRAL_TEST_UNSET is not set/);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
    const ls = await corral(h, ['ls', '--json']);
    expect(ls.stdout).not.toMatch(/"id"/);
    const alone = await corral(
      h,
      ['run', '--backend', 'local', '--setup-env', 'HOME', '--', 'true'],
      { cwd: repo.dir },
    );
    expect(alone.code).toBe(2);
    expect(alone.stderr).toMatch(/--setup-env needs --setup/);
  }, 120_000);
});

describe('corral resume of a run with --setup-env (local)', () => {
  it('reads the variable again from the shell that resumes, and refuses without it', async () => {
    const h = await home();
    const repo = await makeRepo();
    made.push(repo.dir);
    const first = newSecret();
    const script = 'echo "${SETUP_TOKEN:-unset}" > agent-saw.txt';
    const started = await corral(
      h,
      [
        'run',
        '--backend',
        'local',
        '--keep',
        '--setup',
        setup,
        '--setup-env',
        'SETUP_TOKEN',
        '--json',
        '--',
        'sh',
        '-c',
        script,
      ],
      { cwd: repo.dir, env: { SETUP_TOKEN: first.value } },
    );
    expect(started.code, started.stderr).toBe(0);
    const { id } = started.json<{ id: string }>();
    const refused = await corral(h, ['resume', id, '--', 'sh', '-c', script], {
      cwd: repo.dir,
      env: { SETUP_TOKEN: '' },
    });
    expect(refused.code).toBe(5);
    expect(refused.stderr).toMatch(/--setup-env SETUP_TOKEN: SETUP_TOKEN is not set/);
    // A new value, from the shell that resumes: the setup sees it, the command does not.
    const second = newSecret();
    const resumed = await corral(h, ['resume', id, '--json', '--', 'sh', '-c', script], {
      cwd: repo.dir,
      env: { SETUP_TOKEN: second.value },
    });
    expect(resumed.code, resumed.stderr).toBe(0);
    const ends = (await readEvents<SetupEvent>(h, id)).filter((e) => e.type === 'setup.ended');
    expect(ends.at(-1)?.output).toContain(`hash ${second.hash}`);
    expect(repo.show(`corral/${id}`, 'agent-saw.txt')).toBe('unset\n');
    expect(await filesHolding(h, second.value)).toEqual([]);
  }, 240_000);
});

interface BattleOutcome {
  id: string;
  winner: string | null;
  contestants: Array<{
    name: string;
    branch: string | null;
    grade: { resolved: boolean; infrastructure: boolean } | null;
  }>;
}

interface GradingFile {
  run: { failure: string | null; report: { tests: Array<{ id: string; status: string }> } | null };
}

describe('corral battle --setup-env (local)', () => {
  it("grades with the setup's variable, out of the tests' reach", async () => {
    const h = await home();
    // A test of the repository that names itself after what it can read of the variable.
    const leak = [
      "import { test } from 'node:test';",
      "import { createHash } from 'node:crypto';",
      'const v = process.env.SETUP_TOKEN;',
      "test(v ? 'saw ' + createHash('sha256').update(v).digest('hex').slice(0, 16) : 'saw nothing', () => {});",
      '',
    ].join('\n');
    const repo = await makeDatesRepo({
      'package.json': JSON.stringify({ type: 'module', scripts: { test: 'node --test' } }),
      'test/leak.test.js': leak,
    });
    made.push(repo.dir);
    await repo.write(
      'battle.yml',
      [
        'test: npm test --silent',
        `setup: ${JSON.stringify(setup)}`,
        'setup-env: [SETUP_TOKEN]',
        'contestants:',
        // The fix, and what the contestant's agent saw of the variable (on its branch).
        `  - { name: fixer, agent: shell, command: "sed -i 's/day + 2/day + 1/' src/date.js && echo \\"\${SETUP_TOKEN:-unset}\\" > saw.txt" }`,
      ].join('\n'),
    );
    const secret = newSecret();
    const r = await corral(
      h,
      ['battle', '--backend', 'local', '-f', join(repo.dir, 'battle.yml'), '--json'],
      { cwd: repo.dir, env: { SETUP_TOKEN: secret.value }, timeoutMs: 300_000 },
    );
    expect(r.code, r.stderr).toBe(0);
    const out = r.json<BattleOutcome>();
    // Graded at all: the setup, which fails without it, had it in every sandbox.
    const fixer = out.contestants.find((c) => c.name === 'fixer')!;
    expect(fixer.grade).toMatchObject({ resolved: true, infrastructure: false });
    // The tests, run by the grading sandboxes of the base and the branch, never read it.
    for (const who of ['base', 'fixer']) {
      const file = JSON.parse(
        await readFile(join(h, 'battles', out.id, 'grading', `${who}.json`), 'utf8'),
      ) as GradingFile;
      const ids = file.run.report?.tests.map((t) => t.id) ?? [];
      expect(ids, who).toContainEqual(expect.stringContaining('saw nothing'));
      expect(ids.join('\n'), who).not.toMatch(/saw (?!nothing)/);
    }
    // Nor did the contestant's agent.
    expect(repo.show(fixer.branch!, 'saw.txt')).toBe('unset\n');
    expect(await filesHolding(h, secret.value)).toEqual([]);
    expect(await filesHolding(h, 'SETUP_TOKEN')).not.toEqual([]);
  }, 360_000);
});
