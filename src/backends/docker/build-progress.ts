/**
 * Reads the Engine API's build output: newline-separated JSON messages carrying output
 * text (`stream`), pull status (`status`), the built image's ID (`aux`) or a failure
 * (`error`). Turns them into plain lines for the caller's progress display and keeps the
 * image ID, the error line and the last lines of output, which is the evidence a failed
 * build reports.
 */

export interface BuildOutcome {
  error: string | undefined;
  /** `sha256:…` of the image built, when the engine said (it does on success). */
  imageId: string | undefined;
  /** The last lines of output, for the error report. */
  tail: string[];
}

interface BuildMessage {
  stream?: string;
  status?: string;
  progress?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}

const tailLength = 20;

export function followBuild(
  stream: NodeJS.ReadableStream,
  onProgress: (line: string) => void,
): Promise<BuildOutcome> {
  const outcome: BuildOutcome = { error: undefined, imageId: undefined, tail: [] };
  const emit = (text: string): void => {
    for (const line of text.split('\n')) {
      const trimmed = line.trimEnd();
      if (!trimmed) continue;
      outcome.tail.push(trimmed);
      if (outcome.tail.length > tailLength) outcome.tail.shift();
      onProgress(trimmed);
    }
  };
  const handle = (raw: string): void => {
    if (!raw.trim()) return;
    let message: BuildMessage;
    try {
      message = JSON.parse(raw) as BuildMessage;
    } catch {
      return emit(raw);
    }
    if (message.error !== undefined || message.errorDetail?.message !== undefined) {
      outcome.error = message.errorDetail?.message ?? message.error;
      emit(outcome.error ?? '');
    } else if (typeof message.aux?.ID === 'string') {
      outcome.imageId = message.aux.ID;
    } else if (message.stream !== undefined) {
      emit(message.stream);
    } else if (message.status !== undefined) {
      emit(message.progress ? `${message.status} ${message.progress}` : message.status);
    }
  };

  let pending = '';
  return new Promise((resolve, reject) => {
    stream.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      lines.forEach(handle);
    });
    stream.on('error', reject);
    stream.on('end', () => {
      handle(pending);
      resolve(outcome);
    });
  });
}
