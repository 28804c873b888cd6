/**
 * `corral serve`: the web dashboard and the engine's API on TCP, bound to 127.0.0.1 and
 * behind a token, for as long as this command runs. It prints the address with the token
 * (`http://127.0.0.1:7070/#token=…`: opened in a browser, the page trades it for a session
 * cookie); Ctrl-C ends serving (the engine goes on). Another address than loopback needs
 * `--token`: the API is not opened beyond this machine on a token nobody chose.
 */
import { request } from 'node:http';
import type { Command } from 'commander';
import { createParser } from 'eventsource-parser';
import { getEngineFiles } from '../../engine/engine-files.js';
import { errorFromBody } from '../engine-client.js';
import type { CommandContext } from '../context.js';
import { printJson, printLine, progress, usage } from '../output.js';

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
    .option(
      '--json',
      'print one JSON object { url, token } once serving (url without the token), then keep serving',
    )
    .action(async (o: { port: string; host: string; token?: string; json?: boolean }) => {
      const port = Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw usage(`--port ${o.port} is not a port number.`, 'Use 0-65535, e.g. --port 7070.');
      await ctx.engine();
      const q = new URLSearchParams({ host: o.host, port: String(port) });
      if (o.token) q.set('token', o.token);
      const socket = getEngineFiles(ctx.home()).socket;
      await new Promise<void>((resolve, reject) => {
        const req = request(
          {
            socketPath: socket,
            path: `/v1/engine/serve?${q.toString()}`,
            headers: { accept: 'text/event-stream' },
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
        req.end();
      });
    });
}
