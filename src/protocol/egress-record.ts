/**
 * One line of `egress.log`: a connection the egress proxy allowed or denied, written when
 * the connection ends (a denial ends at once) and offered to the gateway's callback for
 * the event stream. This is a new record type next to the event union; the orchestrator
 * can turn it into an event (`egress.decision`, say) without the gateway depending on it.
 */
import { z } from 'zod';

export const EgressRecord = z.object({
  /** When the attempt started (ISO 8601). */
  ts: z.string(),
  /** `connect`: a CONNECT tunnel (HTTPS and anything else); `http`: a forwarded plain-HTTP request. */
  kind: z.enum(['connect', 'http']),
  host: z.string(),
  port: z.number().int(),
  allowed: z.boolean(),
  /** Why it was denied, or why an allowed attempt failed (upstream unreachable, …). */
  reason: z.string().nullable(),
  /** Bytes from the sandbox to the target, and back (tunnel payload or request/response bodies). */
  bytesUp: z.number().int().nonnegative(),
  bytesDown: z.number().int().nonnegative(),
  durationMs: z.number().int().nonnegative(),
  /** For `http`: the status sent back to the sandbox. */
  status: z.number().int().nullable(),
});
export type EgressRecord = z.infer<typeof EgressRecord>;
