/**
 * `corral policy <id>`, `corral allow <id> <host…>`, `corral deny <id> <host…>`: what an
 * instance may reach, and what it tried, edited live; and which of its sandbox's hardening
 * was switched off (`--unsafe-…`); its limits and what enforced them; what its agent may
 * do with its model key (the calls, the models, the budget and what it spent) and which
 * model calls the gateway refused.
 * The egress policy is `policy/egress.json` in its state dir; a
 * running sandbox applies a change at once, without a restart (docker: the gateway reloads
 * the file; local: sandbox-runtime's proxy is told).
 */
import type { Command } from 'commander';
import { formatBytes } from '../../lib/duration.js';
import { describeEnforcedLimits, listRelaxations, type Metadata } from '../../state/index.js';
import { allowPresetNames } from '../../orchestrator/allow-presets.js';
import type { CommandContext } from '../context.js';
import { describeEgress, describeOutcome } from '../egress-text.js';
import { describeBudget, describeModelCalls, describeModels } from '../model-policy-text.js';
import { printJson, printLine } from '../output.js';
import { tableCell } from '../../lib/terminal-text.js';
import { printTable } from './ls.js';

/** `limits: memory 4g, cpus 2, pids 1024 (memory, cpus and pids by cgroup v1)`. */
function describeLimits(m: Metadata): string {
  const { memoryBytes, cpus, pids } = m.limits;
  const asked = `memory ${formatBytes(memoryBytes)}, cpus ${cpus}, pids ${pids}`;
  if (m.relax.noLimits) return 'limits: none (--unsafe-no-limits)';
  if (!m.enforcedLimits) return `limits: ${asked} (what enforces them is known once it runs)`;
  return `limits: ${asked} (${describeEnforcedLimits(m.enforcedLimits)})`;
}

export function registerPolicy(program: Command, ctx: CommandContext): void {
  program
    .command('policy')
    .description(
      'what an instance may reach (its egress allowlist) and call with its model key, what it tried and was refused, its limits and what enforced them, and what hardening it runs without',
    )
    .argument('<id>', 'instance id, unique id prefix, or name')
    .option(
      '--json',
      'print one JSON object: { id, backend, network, allow: [...], tried: [{ host, port, allowed, count, last, reason }], relax: {...}, mounts: [...], limits: {...}, enforcedLimits: {...} | null, modelApi: { calls, allowApi, model, allowModels, rewriteModel, budget, spent, refused: [{ method, path, reason, count, last, message }] } }',
    )
    .action(async (ref: string, o: { json?: boolean }) => {
      const {
        metadata: m,
        policy,
        tried,
        modelCalls,
        modelUsage,
      } = await (await ctx.engine()).loadPolicy(ref);
      if (o.json) {
        return printJson({
          id: m.id,
          backend: m.backend,
          network: m.network,
          allow: policy.allow,
          tried,
          relax: m.relax,
          mounts: m.mounts,
          limits: m.limits,
          enforcedLimits: m.enforcedLimits,
          modelApi: {
            calls: modelCalls,
            ...m.modelPolicy,
            spent: modelUsage.spent,
            refused: modelUsage.refused,
          },
        });
      }
      printLine(`${m.id} (${m.backend}): ${describeEgress(m)}`);
      printLine(
        policy.allow.length
          ? `allowed: ${policy.allow.join(', ')}`
          : 'allowed: nothing besides its model API (deny by default)',
      );
      printLine(describeLimits(m));
      if (modelCalls.length > 0) {
        printLine(describeModelCalls(modelCalls, m.modelPolicy));
        printLine(describeModels(m.modelPolicy));
        printLine(describeBudget(m.modelPolicy.budget, modelUsage.spent));
      }
      const relaxed = listRelaxations(m.relax, m.mounts, m.modelPolicy.allowApi);
      if (relaxed.length === 0) printLine('hardening: full');
      for (const r of relaxed) printLine(`hardening relaxed: ${r.flag}: ${r.weakens}`);
      if (modelUsage.refused.length > 0) {
        printLine('model calls refused:');
        printTable(
          ['METHOD', 'PATH', 'REASON', 'TIMES', 'LAST', 'WHY'],
          modelUsage.refused.map((r) => [
            r.method,
            tableCell(r.path),
            r.reason,
            String(r.count),
            r.last,
            tableCell(r.message),
          ]),
        );
      }
      if (tried.length === 0) return;
      printLine('tried:');
      printTable(
        ['HOST', 'PORT', 'DECISION', 'TIMES', 'LAST', 'WHY'],
        tried.map((t) => [
          t.host,
          String(t.port),
          t.allowed ? 'allowed' : 'DENIED',
          String(t.count),
          t.last,
          describeOutcome(t),
        ]),
      );
    });

  for (const change of ['allow', 'deny'] as const) {
    program
      .command(change)
      .description(
        change === 'allow'
          ? 'let an instance reach hosts (name, *.domain, host:port, or a preset: npm, pypi, …); takes effect at once'
          : 'take hosts (or a preset’s hosts) off an instance’s allowlist; new connections are refused at once',
      )
      .argument('<id>', 'instance id, unique id prefix, or name')
      .argument(
        '<hosts...>',
        `e.g. registry.npmjs.org, *.github.com, 127.0.0.1:8080, or a preset: ${allowPresetNames.join(', ')}`,
      )
      .option('--json', 'print one JSON object: { id, allow: [...] }')
      .action(async (ref: string, hosts: string[], o: { json?: boolean }) => {
        const r = await (await ctx.engine()).editPolicy(ref, { change, hosts });
        if (o.json) return printJson({ id: r.metadata.id, allow: r.policy.allow });
        printLine(
          r.policy.allow.length ? `allowed: ${r.policy.allow.join(', ')}` : 'allowed: nothing',
        );
      });
  }
}
