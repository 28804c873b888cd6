/**
 * `corral serve`: the web dashboard and the engine's API on TCP, bound to 127.0.0.1 and
 * behind a token, for as long as this command runs. It prints the address with the token
 * (`http://127.0.0.1:7070/#token=…`: opened in a browser, the page trades it for a session
 * cookie); it opens nothing by itself, `--open` opens it with the user's browser
 * (lib/open-browser.ts; when none is found it says so and goes on serving). Ctrl-C ends
 * serving (the engine goes on). Another address than loopback needs `--token`: the API is
 * not opened beyond this machine on a token nobody chose. The page's calls get this shell's
 * credentials (lent-env.ts): a resume or a push from the browser works as it would from here.
 */
import { request } from 'node:http';
import type { Command } from 'commander';
import { createParser } from 'eventsource-parser';
import { getEngineFiles } from '../../engine/engine-files.js';
import type { RequestEnv } from '../../engine/engine-api.js';
import { agentRequestEnv } from '../agent-env.js';
import { errorFromBody } from '../engine-client.js';
import { pushEnv } from './push.js';
import { findOpener, startOpener } from '../../lib/open-browser.js';
import type { CommandContext } from '../context.js';
import { printJson, printLine, progress, usage } from '../output.js';

interface ServeOptions {
  port: string;
  host: string;
  token?: string;
  json?: boolean;
  open?: boolean;
}

export function registerServe(program: Command, ctx: CommandContext): void {
  program
    .command('serve')
    .description(
      "serve the web dashboard and the engine's API on 127.0.0.1 behind a token, until Ctrl-C; open the printed address in a browser",
    )
    .option('--port <port>', 'the TCP port (0: any free one)', '7070')
    .option(
      '--host <address>',
      'the address to listen on (beyond loopback only with --token)',
      '127.0.0.1',
    )
    .option('--token <secret>', 'the token clients must present (default: a new random one)')
    .option('--open', "open the address in the user's browser ($BROWSER, else xdg-open/open)")
    .option(
      '--json',
      'print one JSON object { url, token } once serving (url without the token), then keep serving',
    )
    .action(async (o: ServeOptions) => {
      const port = Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw usage(`--port ${o.port} is not a port number.`, 'Use 0-65535, e.g. --port 7070.');
      await ctx.engine();
      const body = JSON.stringify({
        host: o.host,
        port,
        ...(o.token ? { token: o.token } : {}),
        env: await lentEnv(),
      });
      const socket = getEngineFiles(ctx.home()).socket;
      await new Promise<void>((resolve, reject) => {
        const req = request(
          {
            socketPath: socket,
            method: 'POST',
            path: '/v1/engine/serve',
            headers: { accept: 'text/event-stream', 'content-type': 'application/json' },
          },
          (res) => {
            const parser = createParser({
              onEvent: (message) => {
                const data = JSON.parse(message.data) as {
                  url?: string;
                  token?: string;
                  error?: unknown;
                };
                if (message.event === 'error') {
                  reject(errorFromBody(400, data));
                  req.destroy();
                } else if (message.event === 'serving') {
                  const url = `${data.url}/#token=${encodeURIComponent(data.token ?? '')}`;
                  if (o.json) printJson({ url: data.url, token: data.token });
                  else printLine(url);
                  progress(
                    'corral: serving the dashboard and the engine API; open the address above in a browser. Ctrl-C stops serving (the engine goes on)',
                  );
                  if (o.open) openInBrowser(url);
                }
              },
            });
            res.setEncoding('utf8');
            res.on('data', (text: string) => parser.feed(text));
            res.on('end', () => resolve());
          },
        );
        req.on('error', reject);
        const stop = () => {
          req.destroy();
          resolve();
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        req.end(body);
      });
    });
}

/**
 * What the page's calls need from this shell, as `corral run` and `corral push` would send
 * it: every agent's credentials and endpoints, and the push's tokens and settings.
 */
async function lentEnv(): Promise<RequestEnv> {
  const { listAgents } = await import('../../agents/index.js');
  return { ...pushEnv(), ...(await agentRequestEnv(listAgents().map((a) => a.name))) };
}

function openInBrowser(url: string): void {
  const opener = findOpener(url, process.env, process.platform);
  if (!opener) {
    progress(
      'corral: found no browser to open the address with (set $BROWSER, or install xdg-open); serving goes on',
    );
    return;
  }
  startOpener(opener);
  progress(`corral: opened the address with ${opener.source}`);
}
