/**
 * `corral diff <id>`: the instance's work against its recorded base. After the end it is
 * read from the branch in the source repository; while the instance runs it is computed
 * inside the sandbox (the host runs no git in a live workspace).
 */
import type { Command } from 'commander';
import { CorralError } from '../../lib/errors.js';
import { isEnded } from '../../state/index.js';
import { diffBranch, liveDiffCommand, parseNumstat } from '../../workspace/index.js';
import type { CommandContext } from '../context.js';
import { printJson } from '../output.js';
import { sanitizeTerminalText } from '../../lib/terminal-text.js';

export function registerDiff(program: Command, ctx: CommandContext): void {
  program
    .command('diff')
    .description("show an instance's changes against its recorded base")
    .argument('<id>', 'instance id, unique id prefix, or name')
    .option('--stat', 'a summary of changed files instead of the patch')
    .option('--json', 'print one JSON object: { files: [{ path, added, deleted }], patch }')
    .action(async (ref: string, o: { stat?: boolean; json?: boolean }) => {
      const { orchestrator } = ctx.app();
      const m = await orchestrator.store.resolve(ref);
      const baseTip = orchestrator.baseTip(m);
      const color = !o.json && Boolean(process.stdout.isTTY);
      let result: { patch: string; files: ReturnType<typeof parseNumstat> };
      if (isEnded(m.status)) {
        result = await diffBranch(m.sourceRepo, baseTip, m.branch, { stat: o.stat, color }).catch(
          (error: unknown) => {
            throw new CorralError(
              'INSTANCE_NOT_FOUND',
              `Branch ${m.branch} is not in ${m.sourceRepo}.`,
              {
                hint: 'It may have been deleted; corral ls shows what remains.',
                cause: error,
              },
            );
          },
        );
      } else {
        const sandbox = await orchestrator.backend(m.backend).findSandbox(m.id);
        if (!sandbox)
          throw new CorralError('INSTANCE_NOT_RUNNING', `${m.id} has no live sandbox to diff in.`, {
            hint: 'Try again once it has ended.',
          });
        const r = await sandbox.exec(liveDiffCommand(baseTip, { stat: o.stat, color }));
        if (r.exitCode !== 0)
          throw new CorralError(
            'IO_ERROR',
            `git diff in the sandbox of ${m.id} failed: ${r.stderr.trim().split('\n').pop() ?? ''}`,
          );
        const cut = r.stdout.indexOf('\0');
        result = { files: parseNumstat(r.stdout.slice(0, cut)), patch: r.stdout.slice(cut + 1) };
      }
      if (o.json)
        printJson({
          id: m.id,
          status: m.status,
          base: baseTip,
          branch: m.branch,
          files: result.files,
          patch: result.patch,
        });
      // The patch is the agent's content: only git's colours reach the terminal.
      else process.stdout.write(sanitizeTerminalText(result.patch));
    });
}
