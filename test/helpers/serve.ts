/**
 * `corral serve` as a test runs it: the built CLI serving a home on a free port
 * (`--port 0 --json`), with the address and token it printed; and a plain HTTP client that
 * sends exactly the headers given (Host and Origin included, which fetch would not let a
 * test forge).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { cliPath } from './cli.js';

export interface Serving {
  url: string;
  token: string;
  child: ChildProcess;
  /** What it printed on stderr so far (its progress lines). */
  stderr(): string;
  /** Ends serving (Ctrl-C), as a user would; resolves when the command has exited. */
  stop(): Promise<void>;
}

/**
 * Serves `home`: on a free port with a new token, or on the port and with the token given;
 * `args` and `env` added to the command's.
 */
export function startServe(
  home: string,
  options: { port?: number; token?: string; args?: string[]; env?: NodeJS.ProcessEnv } = {},
): Promise<Serving> {
  const args = ['serve', '--port', String(options.port ?? 0), '--json', ...(options.args ?? [])];
  if (options.token) args.push('--token', options.token);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      env: {
        ...process.env,
        CORRAL_HOME: home,
        CORRAL_ENGINE_IDLE_MS: '5000',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`corral serve did not start in time\n${stderr}`));
    }, 60_000);
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString();
      let o: { url: string; token: string };
      try {
        o = JSON.parse(stdout) as { url: string; token: string };
      } catch {
        return; // not all of it yet
      }
      clearTimeout(timer);
      resolve({
        url: o.url,
        token: o.token,
        child,
        stderr: () => stderr,
        stop: async () => {
          child.kill('SIGINT');
          await exited;
        },
      });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`corral serve exited with ${code}\n${stderr}`));
    });
  });
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request with exactly these headers; the body is read whole (not for streams). */
export function http(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: options.method ?? 'GET', headers: options.headers ?? {} },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (text: string) => (body += text));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A TCP port free on 127.0.0.1 now (for serving again on the same address). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
