/**
 * `corral diff --turn`: a kept instance resumed shows only what its latest run changed,
 * against the commit that run started on, while `corral diff` shows all its work against
 * the base; the first run's turn is the base. Local backend, the built CLI.
 */
import { describe, expect, it } from 'vitest';
import { corral, makeHome } from '../helpers/cli.js';
import { makeRepo } from '../helpers/git-repo.js';

interface Diff {
  base: string;
  files: Array<{ path: string; added: number | null }>;
}

describe('corral diff --turn', () => {
  it("shows the latest run's change alone; without it, everything since the base", async () => {
    const home = await makeHome();
    const repo = await makeRepo();
    const first = await corral(
      home,
      ['run', '--backend', 'local', '--keep', '--json', '--', 'sh', '-c', 'echo one > one.txt'],
      { cwd: repo.dir },
    );
    expect(first.code, first.stderr).toBe(0);
    const { id, base } = first.json<{ id: string; base: { commit: string } }>();
    const firstTurn = (await corral(home, ['diff', id, '--turn', '--json'])).json<Diff>();
    expect(firstTurn.base).toBe(base.commit);
    expect(firstTurn.files.map((f) => f.path)).toEqual(['one.txt']);

    const again = await corral(
      home,
      ['resume', id, '--json', '--', 'sh', '-c', 'echo two > two.txt'],
      {
        cwd: repo.dir,
      },
    );
    expect(again.code, again.stderr).toBe(0);
    const afterFirst = repo.git('rev-parse', `corral/${id}~1`).trim();
    const turn = (await corral(home, ['diff', id, '--turn', '--json'])).json<Diff>();
    expect(turn.base).toBe(afterFirst);
    expect(turn.files.map((f) => f.path)).toEqual(['two.txt']);
    const all = (await corral(home, ['diff', id, '--json'])).json<Diff>();
    expect(all.files.map((f) => f.path).sort()).toEqual(['one.txt', 'two.txt']);
  });
});
