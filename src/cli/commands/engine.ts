/**
 * `corral engine status` and `corral engine stop`: the one long-lived process of this
 * `$CORRAL_HOME` that supervises every instance. `status` does not start an engine that is
 * not there; `stop` waits until the runs it hosts have ended (their work is home), or with
 * `--now` leaves at once, its runs going on to be taken up by the next engine.
 */
import type { Command } from 'commander';
import { RemoteEngine } from '../engine-client.js';
import { getEngineFiles } from '../../engine/engine-files.js';
import { formatDurationMs } from '../../lib/duration.js';
import type { CommandContext } from '../context.js';
import { printJson, printLine, progress } from '../output.js';

export function registerEngine(program: Command, ctx: CommandContext): void {
  const engine = program
    .command('engine')
    .description('the background process that supervises every instance (started on demand)');

  const probe = () =>
    new RemoteEngine({
      socket: getEngineFiles(ctx.home()).socket,
      reconnect: () => Promise.resolve(),
    });

  engine
    .command('status')
    .description('pid, build, uptime, socket, the instances it runs, memory (starts nothing)')
    .option('--json', 'print one JSON object (running: false when there is no engine)')
    .action(async (o: { json?: boolean }) => {
      const status = await probe()
        .status()
        .catch(() => null);
      if (o.json) return printJson(status ? { running: true, ...status } : { running: false });
      if (!status) {
        printLine('no engine is running (the next command that needs one starts it)');
        return;
      }
      printLine(`engine pid ${status.pid}, build ${status.version}`);
      printLine(`  up ${formatDurationMs(status.uptimeMs)}, socket ${status.socket}`);
      if (status.tcp) printLine(`  serving ${status.tcp}`);
      printLine(
        `  ${status.instances.length} run(s)${status.instances.length ? `: ${status.instances.join(', ')}` : ''}`,
      );
      printLine(`  memory ${(status.rssBytes / 2 ** 20).toFixed(0)} MiB resident`);
    });

  engine
    .command('stop')
    .description('stop the engine once its runs have ended (--now: at once; the runs go on)')
    .option('--now', 'stop now; its runs keep running and the next engine takes them up')
    .option('--json', 'print one JSON object: { stopped, pid }')
    .action(async (o: { now?: boolean; json?: boolean }) => {
      const client = probe();
      const status = await client.status().catch(() => null);
      if (!status) {
        if (o.json) printJson({ stopped: false, pid: null });
        else printLine('no engine is running');
        return;
      }
      if (!o.now && status.instances.length) {
        progress(`corral: waiting for ${status.instances.length} run(s) to end…`);
      }
      await client.shutdown({ now: Boolean(o.now) });
      // Gone when its socket no longer answers.
      for (;;) {
        if (!(await client.status().catch(() => null))) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      if (o.json) printJson({ stopped: true, pid: status.pid });
      else printLine(`stopped the engine (pid ${status.pid})`);
    });
}
