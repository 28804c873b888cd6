/**
 * What the gateway has in force, written for the host to read back: `{ policy, setup }`,
 * the hosts of the person's policy file and of the setup file (the hosts a sandbox's setup
 * may reach besides the policy, `--setup-allow-host`). The watchers apply a change up to a
 * poll later; the supervisor narrows the setup's hosts before its agent starts and waits
 * until this file says so, so the agent never starts with more than its own policy.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { z } from 'zod';

export const AppliedPolicy = z.object({
  policy: z.array(z.string()),
  setup: z.array(z.string()),
});
export type AppliedPolicy = z.infer<typeof AppliedPolicy>;

/** The file's name beside the gateway's other logs (a file mount: it must exist first). */
export const appliedPolicyFileName = 'policy-applied.json';

export interface AppliedPolicyWriter {
  /** Writes `applied` after what was said before it (the file is rewritten whole). */
  say(applied: AppliedPolicy): void;
  /** Resolves once everything said so far is written. */
  settled(): Promise<void>;
}

export function appliedPolicyWriter(
  path: string,
  onError: (message: string) => void,
): AppliedPolicyWriter {
  let chain: Promise<void> = Promise.resolve();
  return {
    say: (applied) => {
      chain = chain.then(() =>
        writeFile(path, `${JSON.stringify(applied)}\n`).catch((error: unknown) =>
          onError(`cannot write ${path}: ${(error as Error).message}`),
        ),
      );
    },
    settled: () => chain,
  };
}

/** The file as last written, or null while it is empty, half-written or missing. */
export async function readAppliedPolicy(path: string): Promise<AppliedPolicy | null> {
  try {
    const parsed = AppliedPolicy.safeParse(JSON.parse(await readFile(path, 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
