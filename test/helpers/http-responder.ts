/**
 * A one-line HTTP server (perl, which every Debian image has) run as a container on a
 * Docker network the test made: the "somewhere else" a sandbox tries to reach. It answers
 * every request with 200 and a fixed text, so a test can tell it was reached.
 */
import { execFileSync } from 'node:child_process';

const docker = (...args: string[]) =>
  execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

export interface HttpResponder {
  name: string;
  /** Its address on `network`. */
  ip: string;
  remove(): void;
}

export function startHttpResponder(options: {
  name: string;
  network: string;
  image: string;
  text: string;
  port?: number;
}): HttpResponder {
  const port = options.port ?? 8080;
  const text = options.text.replace(/[^A-Za-z0-9 .,-]/g, '');
  const serve = `perl -MIO::Socket::INET -e '$s=IO::Socket::INET->new(LocalPort=>${port},Listen=>5,ReuseAddr=>1) or die; while($c=$s->accept){<$c>; print $c "HTTP/1.0 200 OK\\r\\n\\r\\n${text}\\n"; close $c}'`;
  docker(
    'run',
    '-d',
    '--rm',
    '--name',
    options.name,
    '--network',
    options.network,
    '--user',
    '65534:65534',
    options.image,
    'sh',
    '-c',
    serve,
  );
  const ip = docker(
    'inspect',
    '--format',
    `{{(index .NetworkSettings.Networks "${options.network}").IPAddress}}`,
    options.name,
  );
  return { name: options.name, ip, remove: () => void docker('rm', '-f', options.name) };
}

/** The addresses of the containers of instance `id`, by their corral.service label. */
export function instanceAddresses(id: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const ids = docker('ps', '-q', '--filter', `label=corral.instance=${id}`).split('\n');
  for (const c of ids.filter(Boolean)) {
    const [service, ...ips] = docker(
      'inspect',
      '--format',
      '{{index .Config.Labels "corral.service"}}{{range .NetworkSettings.Networks}} {{.IPAddress}}{{end}}',
      c,
    ).split(' ');
    out[service || 'agent'] = ips.filter(Boolean);
  }
  return out;
}
