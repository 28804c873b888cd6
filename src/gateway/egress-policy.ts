/**
 * The live egress policy file: `{ "allow": ["registry.npmjs.org", "*.github.com"] }`,
 * under the instance's `policy/` dir, read by the gateway on every change. Every entry is
 * checked with the allowlist grammar (`host-pattern.ts`) so a typo is reported where it
 * was made instead of silently allowing nothing (or everything).
 */
import { z } from 'zod';
import { parseHostPattern } from './host-pattern.js';

/** The file the gateway reads, by convention, inside the instance's `policy/` dir. */
export const egressPolicyFileName = 'egress.json';

const AllowEntry = z
  .string()
  .describe('A host, *.domain (subdomains only) or IP, optionally with :port (no port: any)')
  .superRefine((entry, ctx) => {
    const parsed = parseHostPattern(entry);
    if ('error' in parsed) ctx.addIssue({ code: 'custom', message: parsed.error });
  });

export const EgressPolicy = z
  .object({
    allow: z.array(AllowEntry).describe('Hosts the sandbox may reach; everything else is denied'),
  })
  .strict();
export type EgressPolicy = z.infer<typeof EgressPolicy>;

/** The policy before any file has been read: nothing is allowed. */
export const denyAllPolicy: EgressPolicy = { allow: [] };

/** Parses the file's text; a bad file gives one line saying what is wrong in it. */
export function parseEgressPolicy(
  text: string,
): { ok: true; policy: EgressPolicy } | { ok: false; error: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `not valid JSON (${(error as Error).message})` };
  }
  const parsed = EgressPolicy.safeParse(json);
  if (parsed.success) return { ok: true, policy: parsed.data };
  const issues = parsed.error.issues.map((i) =>
    i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message,
  );
  return { ok: false, error: issues.join('; ') };
}
