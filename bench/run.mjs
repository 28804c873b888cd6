// `npm run bench`: every benchmark, or the one named by `--only
// start|sandbox|events|fan-out|index`; the other arguments go to each (each file's header
// says which it takes). Each prints a line per measurement and one JSON line for scripts.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { option, root } from './lib.mjs';

const benchmarks = ['start', 'sandbox', 'events', 'fan-out', 'index'];
const only = option('only', 'all');
if (only !== 'all' && !benchmarks.includes(only)) {
  console.error(`bench: --only takes ${benchmarks.join(', ')} (got '${only}')`);
  process.exit(2);
}
const args = process.argv.slice(2);
const at = args.indexOf('--only');
const passed = at >= 0 ? [...args.slice(0, at), ...args.slice(at + 2)] : args;
for (const name of only === 'all' ? benchmarks : [only]) {
  const r = spawnSync(process.execPath, [join(root, 'bench', `${name}.mjs`), ...passed], {
    stdio: 'inherit',
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
