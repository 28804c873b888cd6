/**
 * The records of the agent's requests, as files: `requests.log` in the state dir, one
 * `RequestRecord` a line, appended by the gateway (the only writer) as requests arrive;
 * and `policy/request-answers.json`, the person's answers, written whole by the host and
 * read by the gateway (through the read-only `policy/` mount) to tell the agent what
 * became of its request. Both sides parse with these schemas; the host treats the log as
 * untrusted input all the same (see orchestrator/requests/request-log.ts).
 */
import { z } from 'zod';
import {
  canonicalRequestName,
  cleanWhy,
  maxNameLength,
  maxWhyLength,
  requestKinds,
} from './request-grammar.js';

/** In the state dir; the gateway appends to it through a file mount. */
export const requestsLogName = 'requests.log';
/** In the state dir's `policy/` directory (replaced atomically, so the directory is mounted). */
export const requestAnswersName = 'request-answers.json';

/** Requests one instance may make, all kinds together; more are refused. */
export const maxRequests = 100;

/** The body of `POST /requests`, as the agent sends it. */
export const RequestBody = z
  .object({
    kind: z.enum(requestKinds),
    name: z.string().max(maxNameLength * 4),
    why: z.string().max(maxWhyLength * 8),
  })
  .strict();
export type RequestBody = z.infer<typeof RequestBody>;

export const RequestRecord = z
  .object({
    /** 1, 2, 3… per instance, assigned by the gateway. */
    n: z.number().int().min(1).max(maxRequests),
    ts: z.iso.datetime(),
    kind: z.enum(requestKinds),
    /** Canonical: a host as the allowlist spells it, a package as `apt:jq` / `npm:left-pad`. */
    name: z.string().max(maxNameLength),
    why: z.string().max(maxWhyLength),
  })
  .strict()
  .superRefine((record, ctx) => {
    if (canonicalRequestName(record.kind, record.name) !== record.name) {
      ctx.addIssue({ code: 'custom', path: ['name'], message: 'not a canonical request name' });
    }
    if (cleanWhy(record.why) !== record.why) {
      ctx.addIssue({ code: 'custom', path: ['why'], message: 'holds control characters' });
    }
  });
export type RequestRecord = z.infer<typeof RequestRecord>;

export const RequestDecision = z.enum(['approved', 'rejected']);
export type RequestDecision = z.infer<typeof RequestDecision>;

export const RequestAnswer = z
  .object({
    decision: RequestDecision,
    at: z.iso.datetime(),
    /** Who answered (the host user name), when known. */
    by: z.string().max(100).nullable(),
    /** A rejection's reason, for the agent to read. */
    reason: z.string().max(maxWhyLength).nullable(),
    /** For an approved package: the image built with it. */
    image: z.string().max(300).nullable().default(null),
  })
  .strict();
export type RequestAnswer = z.infer<typeof RequestAnswer>;

export const RequestAnswers = z
  .object({ answers: z.record(z.string().regex(/^[1-9][0-9]{0,3}$/), RequestAnswer) })
  .strict();
export type RequestAnswers = z.infer<typeof RequestAnswers>;

/** The longest line of `requests.log` read; a longer one is not a record the gateway wrote. */
export const maxRequestLineLength = 8192;

/**
 * The records of `requests.log`'s text, in order. The numbers must run 1, 2, 3…: a line
 * that is not a valid record, is too long, or carries any other number is skipped (and
 * counted), so a torn or forged line can neither take a number nor shift the others.
 * Reads at most `maxRequests` records.
 */
export function parseRequestLog(text: string): { records: RequestRecord[]; skipped: number } {
  const records: RequestRecord[] = [];
  let skipped = 0;
  for (const line of text.split('\n')) {
    if (records.length >= maxRequests) break;
    if (!line.trim()) continue;
    if (line.length > maxRequestLineLength) {
      skipped++;
      continue;
    }
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      skipped++;
      continue;
    }
    const parsed = RequestRecord.safeParse(json);
    if (parsed.success && parsed.data.n === records.length + 1) records.push(parsed.data);
    else skipped++;
  }
  return { records, skipped };
}

/** Parses the answers file's text; anything unreadable is no answers at all. */
export function parseRequestAnswers(text: string): RequestAnswers {
  try {
    const parsed = RequestAnswers.safeParse(JSON.parse(text));
    if (parsed.success) return parsed.data;
  } catch {
    // fall through
  }
  return { answers: {} };
}
