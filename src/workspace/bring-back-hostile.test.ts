/**
 * Bring-back against a workspace whose git the agent configured to hide its work: for
 * each plant of `test/fixtures/hostile-git.ts`, the plant is first shown to bite (a naive
 * commit of a copy loses or alters the work), then the branch that arrives must hold the
 * work byte for byte, with its modes and symlink. The script runs with plain `sh` here; the
 * system test runs the same plants inside real sandboxes.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { baseFiles, gitPlants, plantAndWorkScript } from '../../test/fixtures/hostile-git.js';
import { expectWorkOn } from '../../test/helpers/expect-work.js';
import { makeRepo, type TestRepo } from '../../test/helpers/git-repo.js';
import { importBringBack, parseBringBackOutput } from './bring-back.js';
import { bringBackCommand } from './bring-back-script.js';
import { provisionWorkspace } from './provision.js';
import { getBaseTip, snapshotBase } from './snapshot.js';
import { loadSourceRepo } from './source-repo.js';

async function workspaceOf(repo: TestRepo) {
  const source = await loadSourceRepo(repo.dir);
  const base = await snapshotBase(source, {});
  const root = await mkdtemp(join(tmpdir(), 'corral-hostile-'));
  const workspace = join(root, 'workspace');
  await provisionWorkspace({
    sourceRoot: source.root,
    id: 'shell-hostl',
    base,
    branch: 'corral/shell-hostl',
    workspaceDir: workspace,
  });
  return { root, workspace, baseTip: getBaseTip(base) };
}

/** Runs the bring-back as the sandbox would (same HOME as the agent had), then imports it. */
async function bringBack(repo: TestRepo, root: string, workspace: string, baseTip: string) {
  const cmd = bringBackCommand({
    id: 'shell-hostl',
    agent: 'shell',
    baseTip,
    gitDir: join(workspace, '.git'),
  });
  const r = spawnSync(cmd.argv[0]!, cmd.argv.slice(1), {
    cwd: workspace,
    env: { PATH: process.env.PATH, HOME: join(root, 'home'), ...cmd.env },
    encoding: 'utf8',
  });
  expect(r.status, r.stderr).toBe(0);
  const report = parseBringBackOutput(r.stdout);
  const tip = await importBringBack({
    sourceRoot: repo.dir,
    branch: 'corral/shell-hostl',
    baseTip,
    report,
    workspace,
    scratchPath: join(root, 'bundle'),
  });
  return { report, tip };
}

describe('bring-back in a workspace whose git hides the work', () => {
  it.each(gitPlants.map((p) => [p.name, p] as const))('%s', async (_name, plant) => {
    const repo = await makeRepo(baseFiles);
    const { root, workspace, baseTip } = await workspaceOf(repo);
    try {
      const run = spawnSync('sh', ['-c', plantAndWorkScript(plant)], {
        cwd: workspace,
        env: { PATH: process.env.PATH, HOME: join(root, 'home') },
        encoding: 'utf8',
      });
      expect(run.stdout).not.toContain('NOT-PLANTED');
      expect(run.stdout, run.stderr).toMatch(/^CONTROL: bites/m);

      const { report } = await bringBack(repo, root, workspace, baseTip);
      expect(report.headReadable).toBe(true);
      expectWorkOn(repo, 'corral/shell-hostl');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it("keeps the agent's own commits, and its repository catches up with the bring-back commit", async () => {
    const repo = await makeRepo(baseFiles);
    const { root, workspace, baseTip } = await workspaceOf(repo);
    const g = (...args: string[]) =>
      execFileSync('git', ['-C', workspace, '-c', 'user.name=a', '-c', 'user.email=a@b', ...args], {
        encoding: 'utf8',
      });
    await writeFile(join(workspace, 'committed.txt'), 'by the agent\n');
    g('add', 'committed.txt');
    g('commit', '-qm', 'the agent commits');
    const agentTip = g('rev-parse', 'HEAD').trim();
    await writeFile(join(workspace, 'left.txt'), 'left over\n');

    const { report, tip } = await bringBack(repo, root, workspace, baseTip);
    expect(report.committedLeftovers).toBe(true);
    expect(repo.git('rev-parse', `${tip}^`).trim()).toBe(agentTip);
    expect(repo.show('corral/shell-hostl', 'committed.txt')).toBe('by the agent\n');
    expect(repo.show('corral/shell-hostl', 'left.txt')).toBe('left over\n');
    // A resumed agent sees a clean tree at the commit that reached the branch.
    expect(g('rev-parse', 'HEAD').trim()).toBe(tip);
    expect(g('status', '--porcelain')).toBe('');
    await rm(root, { recursive: true, force: true });
  });

  it('brings the files back on the base and says so when HEAD cannot be read', async () => {
    const repo = await makeRepo(baseFiles);
    const { root, workspace, baseTip } = await workspaceOf(repo);
    await writeFile(join(workspace, '.git', 'HEAD'), 'ref: refs/heads/nothing-here\n');
    await writeFile(join(workspace, 'new.txt'), 'kept\n');
    const { report, tip } = await bringBack(repo, root, workspace, baseTip);
    expect(report.headReadable).toBe(false);
    expect(repo.git('rev-parse', `${tip}^`).trim()).toBe(baseTip);
    expect(repo.show('corral/shell-hostl', 'new.txt')).toBe('kept\n');
    await rm(root, { recursive: true, force: true });
  });

  it('fails loudly when the repository in the workspace is gone', async () => {
    const repo = await makeRepo(baseFiles);
    const { root, workspace, baseTip } = await workspaceOf(repo);
    await rm(join(workspace, '.git'), { recursive: true });
    const cmd = bringBackCommand({
      id: 'shell-hostl',
      agent: 'shell',
      baseTip,
      gitDir: join(workspace, '.git'),
    });
    const r = spawnSync(cmd.argv[0]!, cmd.argv.slice(1), {
      cwd: workspace,
      env: { PATH: process.env.PATH, ...cmd.env },
      encoding: 'utf8',
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('the repository in the workspace was removed or damaged');
    await rm(root, { recursive: true, force: true });
  });
});
