/**
 * The API's battle routes (v1), translation only, as api.ts is for instances: start a
 * battle (the engine drives it), resume, stop, read, list, its grades and ranking as they
 * stand (the dashboard's battle page), merge or propose (a pull request),
 * and its `battle.*` events
 * as Server-Sent Events (resumable with Last-Event-ID, like an instance's).
 */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import {
  BattleBody,
  BattleResultsBody,
  BattlesBody,
  MergeBattleInput,
  MergeBattleResult,
  ProposeBattleInput,
  PushResultSchema,
  RequestEnv,
  StartBattleInput,
  type EngineApi,
} from '../engine/engine-api.js';
import { json } from './route-responses.js';
import { streamBattleEvents } from './sse.js';

const Id = z.object({ id: z.string().describe('the battle id') });

export function addBattleRoutes(app: OpenAPIHono, engine: EngineApi): void {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/battles',
      request: { body: { content: { 'application/json': { schema: StartBattleInput } } } },
      responses: json(BattleBody, 'its first record; the engine drives it from now on'),
    }),
    async (c) => c.json({ battle: await engine.startBattle(c.req.valid('json')) }, 200),
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/battles',
      responses: json(BattlesBody, 'every battle, newest first'),
    }),
    async (c) => c.json({ battles: await engine.listBattles() }, 200),
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/battles/{id}',
      request: { params: Id },
      responses: json(BattleBody, "the battle's record"),
    }),
    async (c) => c.json({ battle: await engine.getBattle(c.req.valid('param').id) }, 200),
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/battles/{id}/results',
      request: { params: Id },
      responses: json(BattleResultsBody, 'its grades and ranking as they stand'),
    }),
    async (c) => c.json(await engine.getBattleResults(c.req.valid('param').id), 200),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/battles/{id}/resume',
      request: {
        params: Id,
        body: { content: { 'application/json': { schema: z.object({ env: RequestEnv }) } } },
      },
      responses: json(BattleBody, 'its record; driven again unless graded'),
    }),
    async (c) =>
      c.json(
        {
          battle: await engine.resumeBattle(c.req.valid('param').id, c.req.valid('json').env),
        },
        200,
      ),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/battles/{id}/stop',
      request: { params: Id },
      responses: json(BattleBody, 'its record, interrupted (the work kept)'),
    }),
    async (c) => c.json({ battle: await engine.stopBattle(c.req.valid('param').id) }, 200),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/battles/{id}/merge',
      request: {
        params: Id,
        body: { content: { 'application/json': { schema: MergeBattleInput } } },
      },
      responses: json(MergeBattleResult, 'what was merged, and where the others went'),
    }),
    async (c) =>
      c.json(await engine.mergeBattle(c.req.valid('param').id, c.req.valid('json')), 200),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/battles/{id}/propose',
      request: {
        params: Id,
        body: { content: { 'application/json': { schema: ProposeBattleInput } } },
      },
      responses: json(
        PushResultSchema.extend({ battle: z.string(), contestant: z.string() }),
        'pushed, and the pull request opened',
      ),
    }),
    async (c) =>
      c.json(await engine.proposeBattle(c.req.valid('param').id, c.req.valid('json')), 200),
  );
  app.get('/v1/battles/:id/events', (c) => streamBattleEvents(c, engine, c.req.param('id')));
}
