// Part of `npm run lint`: fails when modules under src/ import each other in a cycle,
// type-only imports included (STYLE.md: no import cycles; a cycle is also a seam gone
// wrong, such as a service folder importing the orchestrator that imports it). Reads the
// relative imports of every non-test .ts file and prints each strongly connected group.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(process.argv[2] ?? 'src');
const importPattern = /^\s*(?:import|export)\s[^;]*?\bfrom\s*['"](\.[^'"]+)['"]/gm;

function sourceFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !/\.(test|fixture|contract)\.ts$/.test(path) ? [path] : [];
  });
}

const graph = new Map();
for (const file of sourceFiles(root)) {
  const targets = [];
  for (const match of readFileSync(file, 'utf8').matchAll(importPattern)) {
    const target = resolve(dirname(file), match[1].replace(/\.js$/, '.ts'));
    if (existsSync(target)) targets.push(target);
  }
  graph.set(file, targets);
}

// Tarjan's strongly connected components; any with more than one module is a cycle.
let counter = 0;
const index = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
const cycles = [];
function visit(node) {
  index.set(node, counter);
  low.set(node, counter);
  counter++;
  stack.push(node);
  onStack.add(node);
  for (const next of graph.get(node) ?? []) {
    if (!index.has(next)) {
      visit(next);
      low.set(node, Math.min(low.get(node), low.get(next)));
    } else if (onStack.has(next)) {
      low.set(node, Math.min(low.get(node), index.get(next)));
    }
  }
  if (low.get(node) !== index.get(node)) return;
  const group = [];
  let member;
  do {
    member = stack.pop();
    onStack.delete(member);
    group.push(relative(root, member));
  } while (member !== node);
  if (group.length > 1) cycles.push(group.sort());
}
for (const node of graph.keys()) if (!index.has(node)) visit(node);

if (cycles.length) {
  for (const group of cycles) console.error(`import cycle under ${root}:\n  ${group.join('\n  ')}`);
  process.exit(1);
}
