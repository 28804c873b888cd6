import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { openModelPolicy } from '../gateway/policy.js';
import { CorralError } from '../lib/errors.js';
import {
  addBudgetOptions,
  addModelOptions,
  parseBudgetOptions,
  parseModelOptions,
  type BudgetOptionValues,
  type ModelOptionValues,
} from './model-options.js';

function parse(args: string[]) {
  const command = addModelOptions(new Command('run').exitOverride());
  command.parse(args, { from: 'user' });
  return parseModelOptions(command.opts<ModelOptionValues>());
}

function refusal(args: string[]): string {
  try {
    parse(args);
  } catch (error) {
    if (error instanceof CorralError) return error.line;
    throw error;
  }
  throw new Error('not refused');
}

describe('model options', () => {
  it('give no limits when none is given', () => {
    expect(parse([])).toEqual(openModelPolicy);
  });

  it('read calls, models and budgets', () => {
    expect(
      parse([
        '--allow-model-api',
        'post /v1/messages/batches',
        '--allow-model-api',
        'GET /v1/files?limit',
        '--model',
        'claude-sonnet-4-5',
        '--allow-models',
        'claude-haiku-*,claude-opus-4-1',
        '--rewrite-model',
        '--budget-tokens',
        '200k',
        '--budget-usd',
        '$2.50',
        '--rpm',
        '30',
      ]),
    ).toEqual({
      allowApi: ['POST /v1/messages/batches', 'GET /v1/files?limit'],
      model: 'claude-sonnet-4-5',
      allowModels: ['claude-haiku-*', 'claude-opus-4-1'],
      rewriteModel: true,
      budget: { tokens: 200_000, usd: 2.5, rpm: 30 },
    });
  });

  it.each([
    [
      ['--allow-model-api', 'POST /v1/../files'],
      "--allow-model-api 'POST /v1/../files': the path has a '.' or '..' segment.",
    ],
    [['--allow-model-api', '/v1/files'], 'expected METHOD /path'],
    [['--model', 'claude-*'], "--model 'claude-*' names no one model."],
    [['--model', 'bad model'], "--model 'bad model' is not a model name."],
    [['--rewrite-model'], '--rewrite-model needs --model'],
    [['--budget-tokens', '0'], "--budget-tokens '0' is not a positive number of tokens."],
    [['--budget-tokens', '1.5'], "--budget-tokens '1.5' is not a positive number of tokens."],
    [['--budget-usd', 'lots'], "--budget-usd 'lots' is not a positive amount of dollars."],
    [['--rpm', '2.5'], "--rpm '2.5' is not a positive whole number of calls a minute."],
  ])('refuse %j', (args, message) => {
    expect(refusal(args)).toContain(message);
  });

  it('give resume only the limits named', () => {
    const command = addBudgetOptions(new Command('resume').exitOverride());
    command.parse(['--budget-tokens', '1.5m'], { from: 'user' });
    expect(parseBudgetOptions(command.opts<BudgetOptionValues>())).toEqual({ tokens: 1_500_000 });
  });
});
