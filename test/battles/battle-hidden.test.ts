/**
 * `corral battle --hidden-tests`: tests no contestant sees decide the grade. A contestant
 * that special-cases the visible test passes it but fails the hidden one; the real fix
 * passes both; a spy contestant searches its repository (every object, every ref) and its
 * files for the hidden test and finds nothing. Local backend: what is tested is where the
 * hidden tests go and do not go.
 */
import { execSync } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { corral, makeHome } from '../helpers/cli.js';
import { makeRepo } from '../helpers/git-repo.js';

const visible = [
  "import { test } from 'node:test';",
  "import assert from 'node:assert/strict';",
  "import { nextDay } from '../src/date.js';",
  "test('next day of one', () => assert.equal(nextDay(1), 2));",
  '',
].join('\n');

const hidden = visible
  .replace("'next day of one'", "'next day of five (hidden-marker-7q2)'")
  .replace('nextDay(1), 2', 'nextDay(5), 6');

const spyCommand =
  "(git cat-file --batch-all-objects --batch='%(objectname)' | grep -c hidden-marker-7q2;" +
  ' git for-each-ref; grep -rc hidden-marker-7q2 . --exclude-dir=.git) 2>&1; true';

const battleFile = [
  'test: node --test',
  'contestants:',
  '  - name: fixer',
  '    agent: shell',
  `    command: "sed -i 's/day + 2/day + 1/' src/date.js"`,
  '  - name: overfit',
  '    agent: shell',
  `    command: "sed -i 's/return day + 2;/if (day === 1) return 2; return day + 2;/' src/date.js"`,
  '  - name: spy',
  '    agent: shell',
  '    command: >-',
  "      (git cat-file --batch-all-objects --batch='%(objectname)' | grep -c hidden-marker-7q2;",
  '      git for-each-ref; grep -rc hidden-marker-7q2 . --exclude-dir=.git) > spy.txt 2>&1; true',
].join('\n');

describe('corral battle --hidden-tests', () => {
  it('grades with tests no contestant could see', async () => {
    const home = await makeHome();
    const repo = await makeRepo({
      'src/date.js': 'export function nextDay(day) {\n  return day + 2;\n}\n',
      'test/date.test.js': visible,
      '.gitignore': 'battle.yml\n',
    });
    await repo.write('battle.yml', battleFile);
    const dir = await mkdtemp(join(tmpdir(), 'corral-hidden-'));
    await mkdir(join(dir, 'test'));
    await writeFile(join(dir, 'test', 'hidden.test.js'), hidden);

    const r = await corral(
      home,
      [
        'battle',
        '--backend',
        'local',
        '-f',
        join(repo.dir, 'battle.yml'),
        '--hidden-tests',
        dir,
        '--json',
      ],
      { cwd: repo.dir, timeoutMs: 240_000 },
    );
    expect(r.code, r.stderr).toBe(0);
    const out = r.json<{
      winner: string;
      contestants: Array<{
        name: string;
        branch: string;
        grade: { resolved: boolean; failToPass: { total: number; failing: string[] } } | null;
      }>;
    }>();
    expect(out.winner).toBe('fixer');
    const grade = (name: string) => out.contestants.find((c) => c.name === name)!;
    expect(grade('fixer').grade).toMatchObject({ resolved: true, failToPass: { total: 2 } });
    expect(grade('overfit').grade?.resolved).toBe(false);
    expect(grade('overfit').grade?.failToPass.failing.join()).toMatch(/hidden-marker-7q2/);
    // The spy found no trace of it: no object, no ref, no file.
    const spy = repo.show(grade('spy').branch, 'spy.txt');
    expect(spy).toMatch(/^0\n/);
    expect(spy).not.toMatch(/hidden/);
    expect(spy).toContain('refs/heads/corral/');
    // The same search in the source repository finds it (it is stored there): it could have.
    const control = execSync(spyCommand, { cwd: repo.dir, encoding: 'utf8', shell: '/bin/sh' });
    expect(control).toMatch(/^[1-9]/);
    expect(control).toContain('refs/corral/hidden/');
  }, 300_000);
});
