/**
 * Runs a model-API stand-in (a test/helpers/stand-in/*.ts module that imports only
 * `node:` modules) inside a container on a Docker network the test made, so agent
 * sandboxes reach it container to container and no traffic leaves the machine. The
 * module is transpiled with TypeScript, mounted read-only, and run by the agents image's
 * Node; the requests it logs come back through `docker logs`.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { findImagesDir, getAgentImageTag } from '../../src/backends/docker/index.js';
import { waitFor } from './cli.js';

export interface StandInContainer<Request> {
  /** The stand-in's URL as a sandbox on the network sees it. */
  url: string;
  requests(): Request[];
  close(): void;
}

const docker = (...args: string[]) =>
  execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** Creates an internal network (no route off the machine); returns its name. */
export function createTestNetwork(name: string): { name: string; remove(): void } {
  docker('network', 'create', '--internal', name);
  return { name, remove: () => void docker('network', 'rm', name) };
}

export async function startStandInContainer<Request>(options: {
  module: string;
  startExport: string;
  script: unknown;
  image: string;
  network: string;
  name: string;
  /** The port it listens on (default 8080). */
  port?: number;
  /** Other names it answers to on the network (`--network-alias`). */
  aliases?: string[];
}): Promise<StandInContainer<Request>> {
  const port = options.port ?? 8080;
  const dir = mkdtempSync(join(tmpdir(), 'corral-stand-in-'));
  const js = ts.transpileModule(readFileSync(options.module, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  writeFileSync(join(dir, 'stand-in.mjs'), js);
  writeFileSync(join(dir, 'script.json'), JSON.stringify(options.script));
  writeFileSync(
    join(dir, 'runner.mjs'),
    [
      "import { readFileSync } from 'node:fs';",
      "import * as standIn from './stand-in.mjs';",
      "const script = JSON.parse(readFileSync(new URL('./script.json', import.meta.url), 'utf8'));",
      `const api = await standIn[${JSON.stringify(options.startExport)}]({ script, host: '0.0.0.0', port: ${port} });`,
      'let printed = 0;',
      "const flush = () => { while (printed < api.requests.length) console.log('REQ ' + JSON.stringify(api.requests[printed++])); };",
      'setInterval(flush, 50);',
      "process.on('SIGTERM', () => { flush(); process.exit(0); });",
      "console.log('READY ' + api.url);",
    ].join('\n'),
  );
  // mkdtemp makes it 0700; the stand-in runs as nobody.
  chmodSync(dir, 0o755);
  docker(
    'run',
    '-d',
    '--name',
    options.name,
    '--network',
    options.network,
    ...(options.aliases ?? []).flatMap((alias) => ['--network-alias', alias]),
    '--user',
    '65534:65534',
    '-v',
    `${dir}:/stand-in:ro`,
    '--entrypoint',
    'node',
    options.image,
    '/stand-in/runner.mjs',
  );
  const logs = () => docker('logs', options.name);
  await waitFor(
    'the stand-in to listen',
    () => Promise.resolve(logs().includes('READY') ? true : undefined),
    30_000,
  );
  return {
    url: `http://${options.name}:${port}`,
    requests: () =>
      logs()
        .split('\n')
        .filter((l) => l.startsWith('REQ '))
        .map((l) => JSON.parse(l.slice(4)) as Request),
    close: () => void docker('rm', '-f', options.name),
  };
}

const modelStandIns = {
  anthropic: { file: 'anthropic-stand-in.ts', startExport: 'startAnthropicStandIn' },
  openai: { file: 'openai-stand-in.ts', startExport: 'startOpenAIStandIn' },
  google: { file: 'gemini-stand-in.ts', startExport: 'startGeminiStandIn' },
} as const;

/**
 * The Anthropic, OpenAI or Gemini stand-in (test/helpers/stand-in/), run by the agents image's Node
 * as container `corral-stand-in-<tag>` on `network`.
 */
export function startModelStandIn<Request>(
  api: keyof typeof modelStandIns,
  options: { network: string; tag: string; script: unknown },
): Promise<StandInContainer<Request>> {
  const standIn = modelStandIns[api];
  return startStandInContainer<Request>({
    module: join(import.meta.dirname, 'stand-in', standIn.file),
    startExport: standIn.startExport,
    image: getAgentImageTag(findImagesDir()),
    network: options.network,
    name: `corral-stand-in-${options.tag}`,
    script: options.script,
  });
}
