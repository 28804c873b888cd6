/**
 * `corral policy <id>`, `corral allow <id> <host…>`, `corral deny <id> <host…>`: what an
 * instance may reach, edited live, and which of its sandbox's hardening was switched off. The policy is `policy/egress.json` in its state dir; a
 * running local sandbox applies a change at once, without a restart.
 */
import type { Command } from 'commander';
import { listRelaxations } from '../../state/index.js';
import type { CommandContext } from '../context.js';
import { printJson, printLine, progress } from '../output.js';

const dockerNote =
  'note: on the docker backend this is recorded but not enforced yet (the fencing gateway is not wired in); docker sandboxes have no network, or open network for an agent';

export function registerPolicy(program: Command, ctx: CommandContext): void {
  program
    .command('policy')
    .description(
      'what an instance may reach (its egress allowlist) and what hardening it runs without',
    )
    .argument('<id>', 'instance id, unique id prefix, or name')
    .option(
      '--json',
      'print one JSON object: { id, backend, network, allow: [...], relax: {...}, mounts: [...] }',
    )
    .action(async (ref: string, o: { json?: boolean }) => {
      const { metadata: m, policy } = await ctx.app().orchestrator.loadPolicy(ref);
      if (o.json)
        return printJson({
          id: m.id,
          backend: m.backend,
          network: m.network,
          allow: policy.allow,
          relax: m.relax,
          mounts: m.mounts,
        });
      printLine(
        `${m.id} (${m.backend}, ${m.network === 'open' ? 'open network for its model API' : 'no network'})`,
      );
      printLine(
        policy.allow.length
          ? `allowed: ${policy.allow.join(', ')}`
          : 'allowed: nothing (deny by default)',
      );
      const relaxed = listRelaxations(m.relax, m.mounts);
      if (relaxed.length === 0) printLine('hardening: full');
      for (const r of relaxed) printLine(`hardening relaxed: ${r.flag}: ${r.weakens}`);
      if (m.backend === 'docker') progress(dockerNote);
    });

  for (const change of ['allow', 'deny'] as const) {
    program
      .command(change)
      .description(
        change === 'allow'
          ? 'let an instance reach hosts (name, *.domain, host:port); takes effect at once'
          : 'take hosts off an instance’s allowlist; new connections are refused at once',
      )
      .argument('<id>', 'instance id, unique id prefix, or name')
      .argument('<hosts...>', 'e.g. registry.npmjs.org, *.github.com, 127.0.0.1:8080')
      .option('--json', 'print one JSON object: { id, allow: [...], enforced }')
      .action(async (ref: string, hosts: string[], o: { json?: boolean }) => {
        const r = await ctx.app().orchestrator.editPolicy(ref, change, hosts);
        if (o.json)
          return printJson({ id: r.metadata.id, allow: r.policy.allow, enforced: r.enforced });
        printLine(
          r.policy.allow.length ? `allowed: ${r.policy.allow.join(', ')}` : 'allowed: nothing',
        );
        if (!r.enforced) progress(dockerNote);
      });
  }
}
