import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { followBuild } from './build-progress.js';

describe('followBuild', () => {
  it('turns build messages into lines and keeps the error line', async () => {
    const stream = new PassThrough();
    const lines: string[] = [];
    const done = followBuild(stream, (line) => lines.push(line));
    const messages = [
      { stream: 'Step 1/2 : FROM debian\n' },
      { stream: ' ---> abc\n' },
      { status: 'Downloading', progress: '[==> ]' },
      {
        errorDetail: { message: 'returned a non-zero code: 100' },
        error: 'returned a non-zero code: 100',
      },
    ];
    const text = messages.map((m) => JSON.stringify(m)).join('\r\n') + '\r\n';
    // Split mid-message, as a socket may.
    stream.write(text.slice(0, 30));
    stream.end(text.slice(30));
    const outcome = await done;
    expect(lines).toEqual([
      'Step 1/2 : FROM debian',
      ' ---> abc',
      'Downloading [==> ]',
      'returned a non-zero code: 100',
    ]);
    expect(outcome.error).toBe('returned a non-zero code: 100');
    expect(outcome.tail.at(-1)).toBe('returned a non-zero code: 100');
    expect(outcome.imageId).toBeUndefined();
  });

  it('keeps the ID of the image built', async () => {
    const stream = new PassThrough();
    const done = followBuild(stream, () => undefined);
    stream.end(
      [{ aux: { ID: 'sha256:0123abcd' } }, { stream: 'Successfully built 0123abcd\n' }]
        .map((m) => JSON.stringify(m))
        .join('\n'),
    );
    expect(await done).toMatchObject({ error: undefined, imageId: 'sha256:0123abcd' });
  });
});
