/**
 * The engine's HTTP API (v1), translation only: each route validates its input with the
 * zod schemas of engine-api.ts, calls the engine's services and returns what they return.
 * The same schemas generate the OpenAPI document (`GET /v1/openapi.json`). Errors a user
 * can act on come back as `{ error: { code, message, hint } }` with a status that fits
 * their code, so a client turns them back into the same CorralError (and exit code).
 * Live events and output are Server-Sent Events (sse.ts).
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import {
  AnswerResultSchema,
  CreateInstanceInput,
  DiffResult,
  EngineStatus,
  GcReportSchema,
  ListQueryParams,
  listQueryFromParams,
  PolicyEdit,
  PolicyResult,
  PushInput,
  PushResultSchema,
  RemoveInput,
  RequestEnv,
  RequestsResultSchema,
  ResumeInput,
  type EngineApi,
} from '../engine/engine-api.js';
import { CorralError, ExitCode, isCorralError } from '../lib/errors.js';
import { Metadata } from '../state/metadata.js';
import { addBattleRoutes } from './battle-routes.js';
import { json } from './route-responses.js';
import { streamAllEvents, streamEvents, streamOutput } from './sse.js';

const statusByExit: Record<number, 400 | 404 | 409 | 422 | 500 | 502 | 503> = {
  [ExitCode.usage]: 400,
  [ExitCode.notFound]: 404,
  [ExitCode.badRepository]: 422,
  [ExitCode.backendUnavailable]: 503,
  [ExitCode.io]: 500,
  [ExitCode.conflict]: 409,
  [ExitCode.remote]: 502,
  [ExitCode.internal]: 500,
};

const Ref = z.object({ ref: z.string().describe('instance id, unique id prefix, or name') });
const InstanceBody = z.object({ instance: Metadata });
const EnvBody = z.object({ env: RequestEnv });
/** `corral serve`'s request: where to listen, the token, the environment it lends. */
const ServeInput = z.object({
  host: z.string().default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(7070),
  token: z.string().min(1).optional(),
  env: RequestEnv.default({}),
});

/** A TCP listener for `corral serve`, open while the session that asked for it lasts. */
export interface ServeSession {
  url: string;
  token: string;
  close(): Promise<void>;
}

export interface ApiOptions {
  engine: EngineApi;
  /** Opens the API on TCP (the engine's socket API only). */
  serve?: (options: {
    host: string;
    port: number;
    token?: string;
    /** The serving user's environment, lent to the dashboard's calls (lent-env.ts). */
    env: RequestEnv;
  }) => Promise<ServeSession>;
  /** Requests refused before routing (authentication for TCP). */
  guard?: (c: Context) => Response | undefined | Promise<Response | undefined>;
}

export function createApi(options: ApiOptions): OpenAPIHono {
  const { engine } = options;
  const app = new OpenAPIHono({
    defaultHook: (result, c) => {
      if (!result.success) {
        const message = result.error.issues
          .map((i) => `${i.path.join('.') || 'body'}: ${i.message}`)
          .join('; ');
        return c.json({ error: { code: 'USAGE', message } }, 400);
      }
      return undefined;
    },
  });
  if (options.guard) {
    const guard = options.guard;
    app.use('*', async (c: Context, next) => {
      const refused = await guard(c);
      if (refused) return refused;
      await next();
    });
  }
  app.onError((error, c) => {
    if (isCorralError(error)) {
      return c.json({ error: error.toJSON() }, statusByExit[error.exitCode] ?? 500);
    }
    const message = error instanceof Error ? error.message : String(error);
    return c.json({ error: { code: 'INTERNAL', message } }, 500);
  });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/engine',
      responses: json(EngineStatus, 'the engine'),
    }),
    async (c) => c.json(await engine.status(), 200),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/engine/stop',
      request: {
        body: { content: { 'application/json': { schema: z.object({ now: z.boolean() }) } } },
      },
      responses: json(z.object({ stopping: z.boolean() }), 'it is stopping'),
    }),
    (c) => {
      const { now } = c.req.valid('json');
      // Answer first: the engine goes once the response is out.
      setTimeout(() => void engine.shutdown({ now }), 10);
      return c.json({ stopping: true }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/instances',
      request: { query: ListQueryParams },
      responses: json(z.object({ instances: z.array(Metadata) }), 'instances, newest first'),
    }),
    async (c) =>
      c.json(
        { instances: await engine.listInstances(listQueryFromParams(c.req.valid('query'))) },
        200,
      ),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/instances',
      request: { body: { content: { 'application/json': { schema: CreateInstanceInput } } } },
      responses: json(InstanceBody, 'the new instance'),
    }),
    async (c) => c.json({ instance: await engine.createInstance(c.req.valid('json')) }, 200),
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/instances/{ref}',
      request: { params: Ref },
      responses: json(InstanceBody, 'the instance'),
    }),
    async (c) => c.json({ instance: await engine.getInstance(c.req.valid('param').ref) }, 200),
  );
  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/instances/{ref}',
      request: {
        params: Ref,
        query: z.object({ force: z.string().optional(), deleteBranch: z.string().optional() }),
      },
      responses: json(InstanceBody, 'the removed instance'),
    }),
    async (c) => {
      const q = c.req.valid('query');
      const options = RemoveInput.parse({
        force: q.force === 'true',
        deleteBranch: q.deleteBranch === 'true',
      });
      return c.json(
        { instance: await engine.removeInstance(c.req.valid('param').ref, options) },
        200,
      );
    },
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/instances/{ref}/start',
      request: { params: Ref, body: { content: { 'application/json': { schema: EnvBody } } } },
      responses: json(InstanceBody, 'started'),
    }),
    async (c) =>
      c.json(
        { instance: await engine.startInstance(c.req.valid('param').ref, c.req.valid('json').env) },
        200,
      ),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/instances/{ref}/stop',
      request: { params: Ref },
      responses: json(InstanceBody, 'stopped: the final record'),
    }),
    async (c) => c.json({ instance: await engine.stopInstance(c.req.valid('param').ref) }, 200),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/instances/{ref}/resume',
      request: { params: Ref, body: { content: { 'application/json': { schema: ResumeInput } } } },
      responses: json(InstanceBody, 'prepared (and started, when asked)'),
    }),
    async (c) =>
      c.json(
        {
          instance: await engine.resumeInstance(c.req.valid('param').ref, c.req.valid('json')),
        },
        200,
      ),
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/instances/{ref}/diff',
      request: {
        params: Ref,
        query: z.object({
          stat: z.string().optional(),
          color: z.string().optional(),
          since: z
            .enum(['base', 'turn'])
            .optional()
            .describe("turn: only what the latest run changed (a resumed instance's last turn)"),
        }),
      },
      responses: json(DiffResult, 'the work against the base (or the turn: `base` names it)'),
    }),
    async (c) => {
      const q = c.req.valid('query');
      const result = await engine.diff(c.req.valid('param').ref, {
        stat: q.stat === 'true',
        color: q.color === 'true',
        since: q.since ?? 'base',
      });
      return c.json(result, 200);
    },
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/instances/{ref}/policy',
      request: { params: Ref },
      responses: json(PolicyResult, 'what it may reach and what it tried'),
    }),
    async (c) => c.json(await engine.loadPolicy(c.req.valid('param').ref), 200),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/instances/{ref}/policy',
      request: { params: Ref, body: { content: { 'application/json': { schema: PolicyEdit } } } },
      responses: json(PolicyResult, 'the policy after the change'),
    }),
    async (c) =>
      c.json(await engine.editPolicy(c.req.valid('param').ref, c.req.valid('json')), 200),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/instances/{ref}/push',
      request: { params: Ref, body: { content: { 'application/json': { schema: PushInput } } } },
      responses: json(PushResultSchema, 'pushed'),
    }),
    async (c) => c.json(await engine.push(c.req.valid('param').ref, c.req.valid('json')), 200),
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/requests',
      request: { query: z.object({ ref: z.string().optional(), all: z.string().optional() }) },
      responses: json(RequestsResultSchema, 'what agents asked for'),
    }),
    async (c) => {
      const q = c.req.valid('query');
      return c.json(
        await engine.listRequests({ ...(q.ref ? { ref: q.ref } : {}), all: q.all === 'true' }),
        200,
      );
    },
  );
  const RequestParams = Ref.extend({ n: z.coerce.number().int().positive() });
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/instances/{ref}/requests/{n}/approve',
      request: {
        params: RequestParams,
        body: {
          content: {
            'application/json': { schema: z.object({ resume: z.boolean(), env: RequestEnv }) },
          },
        },
      },
      responses: json(AnswerResultSchema, 'approved'),
    }),
    async (c) => {
      const { ref, n } = c.req.valid('param');
      return c.json(await engine.approveRequest(ref, n, c.req.valid('json')), 200);
    },
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/instances/{ref}/requests/{n}/reject',
      request: {
        params: RequestParams,
        body: {
          content: { 'application/json': { schema: z.object({ reason: z.string().nullable() }) } },
        },
      },
      responses: json(AnswerResultSchema, 'rejected'),
    }),
    async (c) => {
      const { ref, n } = c.req.valid('param');
      return c.json(await engine.rejectRequest(ref, n, c.req.valid('json').reason), 200);
    },
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/gc',
      request: {
        body: { content: { 'application/json': { schema: z.object({ dryRun: z.boolean() }) } } },
      },
      responses: json(GcReportSchema, 'what was (or would be) removed'),
    }),
    async (c) => c.json(await engine.gc(c.req.valid('json')), 200),
  );

  addBattleRoutes(app, engine);

  if (options.serve) {
    const serve = options.serve;
    // `corral serve`: TCP is open while this stream is; the client leaving closes it.
    app.post('/v1/engine/serve', async (c) => {
      const body = ServeInput.safeParse(await c.req.json().catch(() => null));
      return streamSSE(c, async (stream) => {
        let session: ServeSession;
        try {
          if (!body.success)
            throw new CorralError('USAGE', `Bad serve request: ${body.error.message}`);
          const { host, port, token, env } = body.data;
          session = await serve({ host, port, env, ...(token ? { token } : {}) });
        } catch (error) {
          const e = isCorralError(error)
            ? error.toJSON()
            : { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) };
          await stream.writeSSE({ event: 'error', data: JSON.stringify({ error: e }) });
          return;
        }
        await stream.writeSSE({
          event: 'serving',
          data: JSON.stringify({ url: session.url, token: session.token }),
        });
        await new Promise<void>((resolve) => stream.onAbort(resolve));
        await session.close();
      });
    });
  }

  // Live streams (Server-Sent Events); documented by hand, they are not JSON responses.
  app.get('/v1/events', (c) => streamAllEvents(c, engine));
  app.get('/v1/instances/:ref/events', (c) => streamEvents(c, engine, c.req.param('ref')));
  app.get('/v1/instances/:ref/output', (c) => streamOutput(c, engine, c.req.param('ref')));

  app.doc31('/v1/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'corral engine API',
      version: '1',
      description:
        'Instances, their events (Server-Sent Events at /v1/instances/{ref}/events and /v1/events, resumable with Last-Event-ID), requests, policy, diff, battles (their events at /v1/battles/{id}/events) and the engine itself.',
    },
  });
  return app;
}
