/**
 * The responses every JSON route of the API documents: its answer (200) and the errors a
 * user can act on, each an `ErrorBody` (api.ts turns a CorralError into one).
 */
import type { z } from '@hono/zod-openapi';
import { ErrorBody } from '../engine/engine-api.js';

const errors = {
  400: { description: 'bad input', content: { 'application/json': { schema: ErrorBody } } },
  404: { description: 'not found', content: { 'application/json': { schema: ErrorBody } } },
  409: {
    description: 'wrong state, or busy',
    content: { 'application/json': { schema: ErrorBody } },
  },
};

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  200: { description, content: { 'application/json': { schema } } },
  ...errors,
});
