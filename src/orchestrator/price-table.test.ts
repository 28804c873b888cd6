import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPriceTable } from './price-table.js';

describe('loadPriceTable', () => {
  it('is undefined without the file, the table with it, and an error naming the file when bad', async () => {
    const home = await mkdtemp(join(tmpdir(), 'corral-prices-'));
    expect(await loadPriceTable(home)).toBeUndefined();
    await writeFile(join(home, 'prices.json'), '{"claude-sonnet-4": {"input": 3, "output": 15}}');
    expect(await loadPriceTable(home)).toEqual({ 'claude-sonnet-4': { input: 3, output: 15 } });
    await writeFile(join(home, 'prices.json'), '{"x": {"input": -1, "output": 1}}');
    await expect(loadPriceTable(home)).rejects.toThrow(/prices\.json: x\.input/);
    await writeFile(join(home, 'prices.json'), 'nope');
    await expect(loadPriceTable(home)).rejects.toThrow(/prices\.json is not JSON/);
  });
});
