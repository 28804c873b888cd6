/**
 * What Claude Code's tools mean to corral: which file or command a call is about (for a
 * one-line rendering and for permission denials), which tools change files, and how a
 * Bash result reports its exit code. Kept apart from the parser so the tool names, which
 * change between Claude Code versions (`Task` became `Agent`, `MultiEdit` came and went),
 * sit in one place.
 */
import { str } from '../raw-event.js';

export type ToolInput = Record<string, unknown>;

/** Tools whose successful call changes one file, named by `file_path` or `notebook_path`. */
export const fileTools: ReadonlySet<string> = new Set([
  'Write',
  'Edit',
  'MultiEdit',
  'NotebookEdit',
]);

export const shellTool = 'Bash';

/** The file, command or other subject a call is about, or null. */
export function getToolTarget(tool: string, input: ToolInput): string | null {
  switch (tool) {
    case 'Bash':
      return str(input.command);
    case 'Agent':
    case 'Task':
      return str(input.description);
    case 'Skill':
      return str(input.skill);
    default:
      return (
        str(input.file_path) ??
        str(input.notebook_path) ??
        str(input.path) ??
        str(input.url) ??
        str(input.pattern) ??
        str(input.query) ??
        null
      );
  }
}

/**
 * The exit code of a Bash run, as far as Claude Code says it: a failed command's result
 * starts with `Exit code N`. A command not marked as an error exited 0 — unless Claude
 * Code explains a non-zero code as normal (`returnCodeInterpretation`: `test` saying
 * "Condition is false", grep finding nothing), or it was interrupted or sent to the
 * background; those codes are not given, so they are null.
 */
export function getBashExitCode(isError: boolean, output: string, details: unknown): number | null {
  if (isError) {
    const code = /^Exit code (\d+)/m.exec(output)?.[1];
    return code === undefined ? null : Number(code);
  }
  const d = (details && typeof details === 'object' ? details : {}) as Record<string, unknown>;
  if (d.interrupted === true || typeof d.backgroundTaskId === 'string') return null;
  if (typeof d.returnCodeInterpretation === 'string') return null;
  return 0;
}

/** What a Bash run printed: stdout and stderr from the structured result, else the result text. */
export function getBashOutput(output: string, details: unknown): string {
  if (!details || typeof details !== 'object') return output;
  const d = details as Record<string, unknown>;
  const stdout = str(d.stdout);
  const stderr = str(d.stderr);
  if (stdout === null && stderr === null) return output;
  return [stdout, stderr].filter((s): s is string => !!s).join('\n');
}

/** Whether a file tool created the file or changed it; null when Claude Code does not say. */
export function getFileChange(tool: string, details: unknown): 'add' | 'modify' | null {
  if (tool !== 'Write') return 'modify';
  const type = details && typeof details === 'object' ? (details as ToolInput).type : undefined;
  if (type === 'create') return 'add';
  if (type === 'update') return 'modify';
  return null;
}
