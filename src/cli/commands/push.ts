/**
 * `corral push <id>`: pushes the instance's branch from the source repository to a remote
 * with a credential obtained just before the push (never written to disk), and with --pr
 * opens a GitHub pull request for it.
 */
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { printJson, printLine, progress, usage } from '../output.js';

export function registerPush(program: Command, ctx: CommandContext): void {
  program
    .command('push')
    .description(
      "push an instance's branch corral/<id> from the source repository to a remote (token from CORRAL_GIT_TOKEN, GITHUB_TOKEN/GH_TOKEN, a GitHub App, or git's own credentials)",
    )
    .argument('<id>', 'instance id, unique id prefix, or name')
    .option(
      '--remote <remote>',
      'where to push: a remote of the source repository, a URL, or the path of a repository',
      'origin',
    )
    .option('--pr', 'also open a GitHub pull request for the branch')
    .option('--base <branch>', "the pull request's base (default: the repository's default branch)")
    .option('--json', 'print one JSON object: { id, branch, remote, url, commit, pullRequest }')
    .action(
      async (ref: string, o: { remote: string; pr?: boolean; base?: string; json?: boolean }) => {
        if (o.base && !o.pr) throw usage('--base only applies with --pr.');
        const r = await (
          await ctx.engine()
        ).push(ref, {
          remote: o.remote,
          pullRequest: Boolean(o.pr),
          cwd: process.cwd(),
          env: pushEnv(),
          ...(o.base ? { base: o.base } : {}),
        });
        progress(`corral: pushed ${r.branch} to ${r.remote} (${r.url}) with ${r.credential}`);
        if (o.json) return printJson(r);
        printLine(`pushed ${r.branch} (${r.commit.slice(0, 12)}) to ${r.remote}`);
        if (r.pullRequest)
          printLine(
            `pull request #${r.pullRequest.number}${r.pullRequest.existing ? ' (already open)' : ''}: ${r.pullRequest.url}`,
          );
      },
    );
}

/** What a push takes from this shell: the tokens and settings it may use, nothing else. */
export function pushEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    if (
      /^(CORRAL_GIT_|CORRAL_GITHUB_)/.test(name) ||
      ['GITHUB_TOKEN', 'GH_TOKEN', 'HOME', 'XDG_CONFIG_HOME', 'PATH', 'SSH_AUTH_SOCK'].includes(
        name,
      ) ||
      /^GIT_(SSH|ASKPASS|CONFIG_GLOBAL|TERMINAL_PROMPT)/.test(name)
    )
      out[name] = value;
  }
  return out;
}
