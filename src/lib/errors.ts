/**
 * The one error class corral throws for anything a user can act on. Each error has a
 * stable code, a one-line message that says what failed and on what, an optional hint
 * saying what to do, and a documented process exit code. Anything that is not a
 * CorralError is an internal error and is reported with a stack and a request to file it.
 */

/** Exit codes, documented in the README. Commands that run a sandboxed command pass its code through. */
export const ExitCode = {
  ok: 0,
  /** A check that ran and said no (`corral setup`: the script failed in its sandbox). */
  checkFailed: 1,
  internal: 70,
  usage: 2,
  notFound: 3,
  badRepository: 4,
  backendUnavailable: 5,
  io: 6,
  conflict: 7,
  remote: 8,
  /** An instance ended `budget-exceeded`: its model budget ran out. */
  budgetExceeded: 9,
  timedOut: 124,
  commandNotFound: 127,
  canceled: 130,
} as const;

export const errorCodes = {
  USAGE: ExitCode.usage,
  NOT_A_GIT_REPO: ExitCode.badRepository,
  NO_COMMITS: ExitCode.badRepository,
  BAD_REF: ExitCode.badRepository,
  INSTANCE_NOT_FOUND: ExitCode.notFound,
  REQUEST_NOT_FOUND: ExitCode.notFound,
  BATTLE_NOT_FOUND: ExitCode.notFound,
  SETUP_MISSING: ExitCode.notFound,
  SETUP_EXISTS: ExitCode.conflict,
  SETUP_FAILED: ExitCode.checkFailed,
  BATTLE_BUSY: ExitCode.conflict,
  MERGE_REFUSED: ExitCode.conflict,
  BACKEND_UNAVAILABLE: ExitCode.backendUnavailable,
  IMAGE_MISSING: ExitCode.backendUnavailable,
  AGENT_CLI_MISSING: ExitCode.backendUnavailable,
  MISSING_CREDENTIAL: ExitCode.backendUnavailable,
  DISK_FULL: ExitCode.io,
  IO_ERROR: ExitCode.io,
  INSTANCE_RUNNING: ExitCode.conflict,
  INSTANCE_NOT_RUNNING: ExitCode.conflict,
  WORKSPACE_GONE: ExitCode.conflict,
  REQUEST_ANSWERED: ExitCode.conflict,
  INDEX_TOO_NEW: ExitCode.conflict,
  BRING_BACK_FAILED: ExitCode.io,
  REMOTE_NOT_FOUND: ExitCode.badRepository,
  BRANCH_NOT_FOUND: ExitCode.badRepository,
  NOT_A_GITHUB_REMOTE: ExitCode.badRepository,
  PUSH_REJECTED: ExitCode.remote,
  AUTH_FAILED: ExitCode.remote,
  REMOTE_UNREACHABLE: ExitCode.remote,
  GITHUB_API_FAILED: ExitCode.remote,
  INTERNAL: ExitCode.internal,
} as const;

export type ErrorCode = keyof typeof errorCodes;

export interface CorralErrorOptions {
  hint?: string;
  cause?: unknown;
}

export class CorralError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: CorralErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = 'CorralError';
    this.code = code;
    this.hint = options.hint;
  }

  get exitCode(): number {
    return errorCodes[this.code];
  }

  /** The single line a user sees: the message, then what to do. */
  get line(): string {
    return this.hint ? `${this.message} ${this.hint}` : this.message;
  }

  toJSON(): { code: ErrorCode; message: string; hint?: string } {
    return { code: this.code, message: this.message, ...(this.hint ? { hint: this.hint } : {}) };
  }
}

export function isCorralError(value: unknown): value is CorralError {
  return value instanceof CorralError;
}
