/**
 * `corral requests`, `corral approve`, `corral reject`: what agents asked for with
 * `corral-request` in their sandbox (a host to reach, a package to install), and the
 * person's answer. Approving a host lets it through at once; approving a package builds
 * the instance's image with it and resumes the instance there, its workspace and
 * conversation kept.
 */
import type { Command } from 'commander';
import { instanceRequestEnv } from '../agent-env.js';
import type { AnswerOutcome, InstanceRequest } from '../../orchestrator/index.js';
import type { CommandContext } from '../context.js';
import { printJson, printLine, progress, usage } from '../output.js';
import { tableCell } from '../../lib/terminal-text.js';
import { printTable } from './ls.js';

function parseNumber(text: string): number {
  if (!/^[1-9][0-9]{0,3}$/.test(text)) {
    throw usage(`"${text}" is not a request number.`, 'See the numbers with: corral requests');
  }
  return Number(text);
}

function requestJson(r: InstanceRequest) {
  return {
    id: r.id,
    n: r.n,
    ts: r.ts,
    kind: r.kind,
    name: r.name,
    why: r.why,
    status: r.status,
    answer: r.answer,
  };
}

function outcomeJson(o: AnswerOutcome) {
  return {
    ...requestJson({ ...o.request, status: o.answer.decision, answer: o.answer }),
    ...(o.allow ? { allow: o.allow } : {}),
    ...(o.image ? { image: o.image } : {}),
    resumed: o.resumed,
    restarted: o.restarted,
  };
}

const examples = {
  requests: `
Examples:
  corral requests                      what agents are waiting for, across all instances
  corral requests claude-k3x9q --all   every request of one instance, answered ones too
  corral requests --json               { requests: [{ id, n, kind, name, why, status, answer }] }`,
  approve: `
Examples:
  corral approve claude-k3x9q 1        a host: allowed at once, nothing restarts
  corral approve claude-k3x9q 2        a package: builds corral-instance-claude-k3x9q:2 with it and
                                       resumes the instance there (workspace and conversation kept)
  corral approve claude-k3x9q 2 --no-resume
                                       build and switch the image; resume later with corral resume

A package approval resumes the instance with this shell's environment (its credentials), as
corral resume does. Approve only what you would install yourself: the package's own install
scripts run while the image is built.`,
  reject: `
Examples:
  corral reject claude-k3x9q 2
  corral reject claude-k3x9q 2 --reason "use python's json module instead"`,
};

export function registerRequests(program: Command, ctx: CommandContext): void {
  program
    .command('requests')
    .description('what agents asked for (hosts, packages) and are waiting for a person to answer')
    .argument('[id]', 'only this instance (id, unique id prefix, or name)')
    .option('--all', 'answered requests too')
    .option('--json', 'print one JSON object: { requests: [...], skipped }')
    .addHelpText('after', examples.requests)
    .action(async (ref: string | undefined, o: { all?: boolean; json?: boolean }) => {
      const found = await (
        await ctx.engine()
      ).listRequests({ ...(ref ? { ref } : {}), all: Boolean(o.all) });
      if (found.skipped > 0) {
        progress(`corral: ${found.skipped} line(s) of request logs were not valid and are ignored`);
      }
      if (o.json)
        return printJson({ requests: found.requests.map(requestJson), skipped: found.skipped });
      if (found.requests.length === 0) {
        printLine(o.all ? 'no requests' : 'no requests waiting for an answer');
        return;
      }
      printTable(
        ['INSTANCE', 'N', 'KIND', 'NAME', 'STATUS', 'WHY'],
        found.requests.map((r) => [
          r.id,
          String(r.n),
          r.kind,
          tableCell(r.name, 60),
          r.status,
          tableCell(r.why, 70),
        ]),
      );
      if (found.requests.some((r) => r.status === 'pending')) {
        progress(
          'answer with: corral approve <instance> <n>, or corral reject <instance> <n> --reason "…"',
        );
      }
    });

  program
    .command('approve')
    .description(
      'grant an agent’s request: a host is allowed at once; a package means a new image and a resume',
    )
    .argument('<id>', 'instance id, unique id prefix, or name')
    .argument('<n>', 'the request number (corral requests shows it)')
    .option(
      '--no-resume',
      'a package: build and switch the image, but leave the instance as it is (corral resume later)',
    )
    .option(
      '--json',
      'print one JSON object: the request with its answer, and allow / image / resumed',
    )
    .addHelpText('after', examples.approve)
    .action(async (ref: string, nText: string, o: { resume: boolean; json?: boolean }) => {
      const engine = await ctx.engine();
      const n = parseNumber(nText);
      const asked = (await engine.listRequests({ ref, all: true })).requests.find((r) => r.n === n);
      if (asked?.kind === 'package' && asked.status === 'pending') {
        progress(`corral: building ${asked.id}'s image with ${asked.name} (a few minutes)…`);
      }
      const instance = await engine.getInstance(ref);
      const outcome = await engine.approveRequest(ref, n, {
        resume: o.resume,
        env: await instanceRequestEnv(instance),
      });
      if (o.json) return printJson(outcomeJson(outcome));
      const { request: r } = outcome;
      printLine(`approved request ${r.n} of ${r.id}: ${r.kind} ${r.name}`);
      if (outcome.allow) progress(`${r.name} is allowed now; allowed: ${outcome.allow.join(', ')}`);
      if (outcome.image) {
        progress(
          outcome.resumed
            ? `${r.id} resumed on ${outcome.image}; follow it with: corral logs ${r.id} -f`
            : `${r.id} will run on ${outcome.image}; resume it with: corral resume ${r.id}`,
        );
      }
    });

  program
    .command('reject')
    .description('refuse an agent’s request; the agent can read the reason')
    .argument('<id>', 'instance id, unique id prefix, or name')
    .argument('<n>', 'the request number (corral requests shows it)')
    .option('--reason <text>', 'why, for the agent (corral-request status shows it)')
    .option('--json', 'print one JSON object: the request with its answer')
    .addHelpText('after', examples.reject)
    .action(async (ref: string, nText: string, o: { reason?: string; json?: boolean }) => {
      const outcome = await (
        await ctx.engine()
      ).rejectRequest(ref, parseNumber(nText), o.reason ?? null);
      if (o.json) return printJson(outcomeJson(outcome));
      const { request: r } = outcome;
      printLine(`rejected request ${r.n} of ${r.id}: ${r.kind} ${r.name}`);
    });
}
