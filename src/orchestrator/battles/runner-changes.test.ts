/** Changes to how the tests run, found on real repositories; a new dependency is not one. */
import { describe, expect, it } from 'vitest';
import { makeRepo } from '../../../test/helpers/git-repo.js';
import { findRunnerChanges } from './runner-changes.js';

const pkg = (scripts: object, deps: object = {}) =>
  JSON.stringify({ name: 'x', scripts, dependencies: deps }, null, 2);

async function branchWith(files: Record<string, string>) {
  const repo = await makeRepo({
    'package.json': pkg({ test: 'node --test' }),
    Makefile: 'test:\n\tnpm test\n',
    'src/a.js': 'a\n',
  });
  const base = repo.git('rev-parse', 'HEAD').trim();
  repo.git('checkout', '-qb', 'contestant');
  for (const [path, text] of Object.entries(files)) await repo.write(path, text);
  repo.git('add', '-A');
  repo.git('commit', '-qm', 'work', '--allow-empty');
  return { repo, base };
}

describe('findRunnerChanges', () => {
  it("names package.json's scripts and runner configurations the branch changed", async () => {
    const { repo, base } = await branchWith({
      'package.json': pkg({ test: "echo 'ok 1 - fine'; exit 0" }),
      Makefile: 'test:\n\ttrue\n',
      'web/vitest.config.ts': 'export default {}\n',
    });
    expect((await findRunnerChanges(repo.dir, base, 'contestant')).sort()).toEqual([
      'Makefile',
      'package.json (scripts)',
      'web/vitest.config.ts',
    ]);
  });

  it('leaves a new dependency and the code itself alone', async () => {
    const { repo, base } = await branchWith({
      'package.json': pkg({ test: 'node --test' }, { 'left-pad': '1.3.0' }),
      'src/a.js': 'fixed\n',
    });
    expect(await findRunnerChanges(repo.dir, base, 'contestant')).toEqual([]);
  });
});
