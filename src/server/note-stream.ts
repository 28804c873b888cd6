/**
 * Lets a client hear what a request says while the engine works on it: a request with
 * `x-corral-notes: stream` is answered with Server-Sent Events, one `note` per line said
 * during it (a push's "pushing…", an index warning, an image build's progress; with
 * `x-corral-trace: 1`, phase timings too) and, last, one `result` carrying the status and
 * body the plain request would have had. Any other request passes through untouched.
 * A line said once the answer is out (by work the request left going) goes to `fallback`.
 */
import { withNotes } from '../lib/notes.js';

type Fetch = (request: Request, ...rest: never[]) => Response | Promise<Response>;

export function withNoteStream(
  fetch: Fetch,
  fallback: (line: string) => void,
): (request: Request) => Promise<Response> {
  return async (request) => {
    if (request.headers.get('x-corral-notes') !== 'stream') return fetch(request);
    const trace = request.headers.get('x-corral-trace') === '1';
    const encoder = new TextEncoder();
    let open = true;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        const send = (event: string, data: unknown) => {
          if (!open) return;
          controller.enqueue(encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
        };
        const sink = {
          trace,
          startedAt: performance.now(),
          write: (line: string) => (open ? send('note', { line }) : fallback(line)),
        };
        void (async () => {
          try {
            const response = await withNotes(sink, () => fetch(request));
            send('result', { status: response.status, body: await response.text() });
          } catch (error) {
            const message = error instanceof Error ? error.message : String(error);
            send('result', {
              status: 500,
              body: JSON.stringify({ error: { code: 'INTERNAL', message } }),
            });
          } finally {
            if (open) controller.close();
            open = false;
          }
        })();
      },
      cancel() {
        open = false;
      },
    });
    return new Response(body, {
      status: 200,
      headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' },
    });
  };
}
