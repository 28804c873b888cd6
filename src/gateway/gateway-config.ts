/**
 * The sidecar's configuration: where each server listens, where the live policy, the
 * logs and the agent's requests are, which upstream APIs to forward to and which environment variables hold their
 * real keys (the keys themselves never appear in this file), and what the instance may do
 * and spend with them (its model policy, and what earlier runs spent). Read from the JSON
 * file named by the first argument, or from `CORRAL_GATEWAY_CONFIG` (the JSON itself).
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { CorralError } from '../lib/errors.js';
import { ModelPolicy, ModelSpent } from '../protocol/model-policy.js';
import { PriceTable } from './usage-cost.js';
import { ModelApi } from '../protocol/usage-record.js';

const Port = z.number().int().min(0).max(65535);

export const ModelRoute = z
  .object({
    api: ModelApi.describe(
      'Which API this port speaks: anthropic (Messages), openai (Responses) or google (Gemini generateContent)',
    ),
    port: Port.describe('Port the agent base URL points at; 0 picks a free one'),
    upstream: z
      .url()
      .describe('The real API, e.g. https://api.anthropic.com; the path is appended'),
    keyEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
      .describe('Name of the variable (environment, or the stdin JSON) holding the real key'),
    auth: z
      .enum(['x-api-key', 'bearer'])
      .optional()
      .describe(
        'How an Anthropic key is sent; default: bearer for Anthropic OAuth tokens. OpenAI: always bearer; Google: always x-goog-api-key',
      ),
    pathPrefix: z
      .string()
      .regex(/^(\/[^/?#%]+)*$/)
      .optional()
      .describe(
        "The path the agent's base URL ends in, before the API's own paths; default: the API's conventional one (/v1 for openai)",
      ),
  })
  .strict();
export type ModelRoute = z.infer<typeof ModelRoute>;

export const GatewayConfig = z
  .object({
    listenHost: z.string().default('0.0.0.0').describe('Address both servers listen on'),
    egress: z
      .object({
        port: Port.default(3128).describe('Port of the HTTP(S) proxy'),
        policyPath: z.string().describe('The live policy file (its directory is watched)'),
        setupPolicyPath: z
          .string()
          .nullable()
          .default(null)
          .describe(
            "Hosts allowed besides the policy while the sandbox's setup runs (the supervisor's file, same format)",
          ),
        appliedPath: z
          .string()
          .nullable()
          .default(null)
          .describe(
            'Written on each change with the hosts now in force ({policy, setup}): how the supervisor knows',
          ),
        logPath: z
          .string()
          .nullable()
          .default(null)
          .describe('egress.log, one JSON line per attempt'),
        pollMs: z.number().int().min(50).default(1000).describe('Poll interval for policy changes'),
        watch: z.boolean().default(true).describe('Also use fs.watch (SIGHUP always reloads)'),
      })
      .strict(),
    requests: z
      .object({
        port: Port.default(3130).describe('Port of the requests server (corral-request)'),
        logPath: z.string().nullable().default(null).describe('requests.log, one JSON line each'),
        answersPath: z
          .string()
          .nullable()
          .default(null)
          .describe("The host's answers file (in the policy directory)"),
      })
      .strict()
      .optional()
      .describe('Where the agent asks for hosts and packages; absent: no requests server'),
    models: z.array(ModelRoute).default([]),
    usageLogPath: z
      .string()
      .nullable()
      .default(null)
      .describe('usage.log, one JSON line per response'),
    keysFrom: z
      .enum(['env', 'stdin'])
      .default('env')
      .describe('env: keys in the environment; stdin: a JSON object of name → key on stdin'),
    prices: PriceTable.optional().describe('USD per million tokens by model prefix, for cost'),
    modelPolicy: ModelPolicy.optional().describe(
      "What the agent may call and spend besides its CLI's calls; absent: no limits",
    ),
    spent: ModelSpent.optional().describe(
      'What earlier runs of the instance spent (budgets count it)',
    ),
    clients: z
      .array(z.string().min(1))
      .optional()
      .describe('Host names whose addresses alone may connect (the agent service); absent: anyone'),
  })
  .strict();
export type GatewayConfig = z.infer<typeof GatewayConfig>;

/** Reads the config from `path`, or else from `env.CORRAL_GATEWAY_CONFIG`. */
export async function loadGatewayConfig(
  path: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<GatewayConfig> {
  let text: string;
  let where: string;
  if (path) {
    where = path;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      throw new CorralError('USAGE', `Cannot read the gateway config ${path}.`, { cause: error });
    }
  } else if (env.CORRAL_GATEWAY_CONFIG) {
    where = '$CORRAL_GATEWAY_CONFIG';
    text = env.CORRAL_GATEWAY_CONFIG;
  } else {
    throw new CorralError('USAGE', 'The gateway has no config.', {
      hint: 'Pass a JSON file path as the first argument, or the JSON in $CORRAL_GATEWAY_CONFIG.',
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CorralError('USAGE', `The gateway config in ${where} is not JSON.`, { cause: error });
  }
  const parsed = GatewayConfig.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`);
    throw new CorralError(
      'USAGE',
      `The gateway config in ${where} is invalid: ${issues.join('; ')}.`,
    );
  }
  return parsed.data;
}
