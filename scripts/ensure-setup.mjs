// Runs before `npm test`: makes a fresh machine ready for the whole suite. Installs the
// npm dependencies if they are missing, prepares the host (Docker engine, base image,
// bubblewrap, chromium; needs root or passwordless sudo — see scripts/setup-host.sh), builds the
// CLI, the default sandbox image, the agents image and the gateway image. Every step is
// skipped when already done.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, args) =>
  execFileSync(cmd, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
const log = (line) => process.stderr.write(`[ensure-setup] ${line}\n`);

if (!existsSync(join(root, 'node_modules', '.bin', 'vitest'))) {
  log('installing npm dependencies');
  run('bash', [join(root, 'scripts', 'build-tools.sh')]);
  run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error']);
}

const isRoot = process.getuid?.() === 0;
const sudo = isRoot ? [] : spawnSync('sudo', ['-n', 'true']).status === 0 ? ['sudo', '-n'] : null;
const ready =
  spawnSync('docker', ['info'], { stdio: 'ignore' }).status === 0 &&
  spawnSync('bwrap', ['--version'], { stdio: 'ignore' }).status === 0 &&
  existsSync('/usr/bin/chromium');
if (!ready) {
  if (!sudo) {
    log(
      'the system tests need a Docker engine and bubblewrap, the dashboard tests chromium; run `sudo bash scripts/setup-host.sh` once, then npm test again',
    );
    process.exit(1);
  }
  const [cmd, ...args] = [...sudo, 'bash', join(root, 'scripts', 'setup-host.sh')];
  run(cmd, args);
}

log('building');
run('npm', ['run', '-s', 'build']);
const tags = execFileSync(
  'node',
  [
    '-e',
    "import('./dist/backends/docker/index.js').then(m => { const d = m.findImagesDir(); console.log(m.getDefaultImageTag(d)); console.log(m.getAgentImageTag(d)); console.log(m.getGatewayImageTag(d)); })",
  ],
  {
    cwd: root,
    encoding: 'utf8',
  },
)
  .trim()
  .split('\n');
const missing = tags.filter(
  (tag) => spawnSync('docker', ['image', 'inspect', tag], { stdio: 'ignore' }).status !== 0,
);
if (missing.length > 0) {
  log(`building the images ${missing.join(', ')} (the agents image takes a few minutes once)`);
  run('node', ['dist/cli/main.js', 'image', 'build']);
}
