/**
 * The prices the gateway turns metered tokens into dollars with: `$CORRAL_HOME/prices.json`,
 * a map of model name (or prefix; the longest wins) to USD per million tokens, e.g.
 * `{ "claude-sonnet-4": { "input": 3, "output": 15, "cacheRead": 0.3 } }`. corral ships no
 * price list (prices change; a wrong cost is worse than none), so without the file the
 * metered cost is unknown and the run summary keeps the cost the agent itself reported.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PriceTable } from '../gateway/usage-cost.js';
import { CorralError } from '../lib/errors.js';

export function getPriceTablePath(home: string): string {
  return join(home, 'prices.json');
}

/** The price table, or undefined when there is no file; a malformed one is an error. */
export async function loadPriceTable(home: string): Promise<PriceTable | undefined> {
  const path = getPriceTablePath(home);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CorralError('IO_ERROR', `Cannot read ${path}.`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CorralError('USAGE', `${path} is not JSON.`, {
      hint: 'Fix it or remove it; e.g. { "claude-sonnet-4": { "input": 3, "output": 15 } }.',
      cause: error,
    });
  }
  const parsed = PriceTable.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CorralError(
      'USAGE',
      `${path}: ${issue ? `${issue.path.join('.') || '(top)'}: ${issue.message}` : 'invalid'}.`,
      {
        hint: 'Each model maps to { input, output[, cacheRead, cacheWrite] } in USD per million tokens.',
      },
    );
  }
  return parsed.data;
}
