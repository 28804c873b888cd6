/**
 * The options of `corral run` (and, for the budget, `corral resume`) that limit what an
 * agent does with its model key at the gateway: which calls besides its CLI's own
 * (`--allow-model-api`, warned about like an `--unsafe-…` flag), which models (`--model`,
 * `--allow-models`, `--rewrite-model`) and how much it may spend (`--budget-tokens`,
 * `--budget-usd`, `--rpm`). Each bad value is a one-line usage error; the result is the
 * instance's model policy, recorded in its metadata.
 */
import type { Command } from 'commander';
import {
  formatCallRule,
  ModelName,
  ModelPolicy,
  parseCallRule,
  type ModelBudget,
} from '../gateway/policy.js';
import { usage } from './output.js';
import { collect } from './run-options.js';

export interface BudgetOptionValues {
  budgetTokens?: string;
  budgetUsd?: string;
  rpm?: string;
}

export interface ModelOptionValues extends BudgetOptionValues {
  model?: string;
  allowModels: string[];
  rewriteModel?: boolean;
  allowModelApi: string[];
}

/** The budget options, shared by `run` and `resume`. */
export function addBudgetOptions(command: Command): Command {
  return command
    .option(
      '--budget-tokens <n>',
      'stop the agent once its model calls used this many tokens (input, output and cache; e.g. 200000 or 200k): it ends budget-exceeded (exit 9)',
    )
    .option(
      '--budget-usd <usd>',
      'the same in US dollars, priced by $CORRAL_HOME/prices.json (which must price its model)',
    )
    .option(
      '--rpm <n>',
      'at most this many model calls a minute; more wait for their turn at the gateway',
    );
}

export function addModelOptions(command: Command): Command {
  return addBudgetOptions(
    command
      .option(
        '--model <name>',
        'the model the agent uses (its CLI is told); the gateway refuses calls for any other',
      )
      .option(
        '--allow-models <names>',
        'other models it may call (comma-separated, repeatable; a name, or a prefix ending in *)',
        collect,
        [],
      )
      .option(
        '--rewrite-model',
        'send a call for a model not allowed to --model instead of refusing it',
      )
      .option(
        '--allow-model-api <call>',
        "let the agent make a call besides its CLI's own with the key, e.g. 'POST /v1/messages/batches' (repeatable; recorded, warned about)",
        collect,
        [],
      ),
  );
}

/** A token count (`200000`, `200k`, `2m`); a bad one is a usage error naming `flag`. */
export function parseTokens(value: string, flag = '--budget-tokens'): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*$/.exec(value);
  const n = match ? Number(match[1]) * ({ k: 1e3, m: 1e6 }[match[2]!.toLowerCase()] ?? 1) : NaN;
  if (!Number.isInteger(n) || n <= 0)
    throw usage(`${flag} '${value}' is not a positive number of tokens.`, 'E.g. 200000 or 200k.');
  return n;
}

/** An amount of US dollars (`2.50`, `$2.50`); a bad one is a usage error naming `flag`. */
export function parseUsd(value: string, flag = '--budget-usd'): number {
  const n = Number(value.trim().replace(/^\$/, ''));
  if (!(n > 0) || !Number.isFinite(n))
    throw usage(`${flag} '${value}' is not a positive amount of dollars.`, 'E.g. 2.50');
  return n;
}

function parseRpm(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw usage(`--rpm '${value}' is not a positive whole number of calls a minute.`, 'E.g. 30');
  return n;
}

/** The limits given; those not given are absent (so a resume keeps the recorded ones). */
export function parseBudgetOptions(o: BudgetOptionValues): Partial<ModelBudget> {
  return {
    ...(o.budgetTokens !== undefined ? { tokens: parseTokens(o.budgetTokens) } : {}),
    ...(o.budgetUsd !== undefined ? { usd: parseUsd(o.budgetUsd) } : {}),
    ...(o.rpm !== undefined ? { rpm: parseRpm(o.rpm) } : {}),
  };
}

function parseModelName(flag: string, value: string): string {
  const parsed = ModelName.safeParse(value.trim());
  if (!parsed.success)
    throw usage(
      `${flag} '${value}' is not a model name.`,
      'Use the name the API knows, e.g. claude-sonnet-4-5, or a prefix ending in *.',
    );
  return parsed.data;
}

/** The model policy the options ask for. */
export function parseModelOptions(o: ModelOptionValues): ModelPolicy {
  const allowApi = o.allowModelApi.map((text) => {
    const rule = parseCallRule(text);
    if ('error' in rule)
      throw usage(
        `--allow-model-api '${text}': ${rule.error}.`,
        "E.g. --allow-model-api 'POST /v1/messages/batches'",
      );
    return formatCallRule(rule);
  });
  const model = o.model === undefined ? null : parseModelName('--model', o.model);
  if (model?.endsWith('*'))
    throw usage(
      `--model '${o.model}' names no one model.`,
      'Give a prefix with --allow-models instead.',
    );
  const allowModels = [
    ...new Set(
      o.allowModels
        .flatMap((v) => v.split(','))
        .filter((v) => v.trim())
        .map((v) => parseModelName('--allow-models', v)),
    ),
  ];
  if (o.rewriteModel && model === null)
    throw usage(
      '--rewrite-model needs --model: the model calls are sent to.',
      'E.g. --model claude-sonnet-4-5 --rewrite-model',
    );
  return ModelPolicy.parse({
    allowApi: [...new Set(allowApi)],
    model,
    allowModels,
    rewriteModel: Boolean(o.rewriteModel),
    budget: parseBudgetOptions(o),
  });
}
