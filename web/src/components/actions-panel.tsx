/**
 * What a person can do to an instance from the page, each one call to the engine's API
 * (the same services as `corral stop`, `resume`, `rm` and `push`): stop a run, resume an
 * ended one with a new prompt, remove it (asked twice), push its branch to a remote.
 */
import { useState, type FormEvent } from 'react';
import { api, describeError } from '../lib/api.js';
import { hrefs } from '../lib/route.js';
import { isEndedStatus, type Metadata } from '../lib/types.js';

export function ActionsPanel({
  meta,
  onChanged,
  onRemoved,
}: {
  meta: Metadata;
  onChanged: (meta: Metadata) => void;
  onRemoved: () => void;
}) {
  const [busy, setBusy] = useState<string | null>(null);
  const [message, setMessage] = useState<{ text: string; bad: boolean } | null>(null);
  const [prompt, setPrompt] = useState('');
  const [remote, setRemote] = useState('origin');
  const [confirmRemove, setConfirmRemove] = useState(false);
  const ended = isEndedStatus(meta.status);

  const act = async (name: string, run: () => Promise<string>) => {
    setBusy(name);
    setMessage(null);
    try {
      setMessage({ text: await run(), bad: false });
    } catch (e) {
      setMessage({ text: describeError(e), bad: true });
    } finally {
      setBusy(null);
    }
  };

  const stop = () =>
    act('stop', async () => {
      const { instance } = await api.stop(meta.id);
      onChanged(instance);
      return `Stopped: ${instance.status}.`;
    });
  const resume = (e: FormEvent) => {
    e.preventDefault();
    void act('resume', async () => {
      const { instance } = await api.resume(meta.id, prompt.trim());
      onChanged(instance);
      setPrompt('');
      return 'Resumed.';
    });
  };
  const remove = () =>
    act('remove', async () => {
      await api.remove(meta.id);
      onRemoved();
      window.location.hash = hrefs.instances;
      return 'Removed.';
    });
  const push = (e: FormEvent) => {
    e.preventDefault();
    void act('push', async () => {
      const r = await api.push(meta.id, remote.trim(), meta.sourceRepo);
      return `Pushed ${r.branch} to ${r.remote} at ${r.commit.slice(0, 12)}.`;
    });
  };

  return (
    <div className="actions" role="group" aria-label="Actions">
      {!ended && (
        <div className="row">
          <button type="button" disabled={busy !== null} onClick={() => void stop()}>
            {busy === 'stop' ? 'Stopping…' : 'Stop'}
          </button>
        </div>
      )}
      {ended && (
        <form className="resume" onSubmit={resume}>
          <label htmlFor="resume-prompt">Resume with a new prompt</label>
          <textarea
            id="resume-prompt"
            rows={2}
            value={prompt}
            disabled={meta.workspaceRemoved}
            placeholder={
              meta.workspaceRemoved
                ? 'Its workspace is gone (an instance run with --keep can be resumed).'
                : 'What to do next'
            }
            onChange={(e) => setPrompt(e.target.value)}
          />
          <div className="row">
            <button type="submit" disabled={busy !== null || meta.workspaceRemoved}>
              {busy === 'resume' ? 'Resuming…' : 'Resume'}
            </button>
          </div>
        </form>
      )}
      {ended && (
        <div className="row">
          <form className="row push" onSubmit={push}>
            <label htmlFor="push-remote">Push the branch to</label>
            <input id="push-remote" value={remote} onChange={(e) => setRemote(e.target.value)} />
            <button type="submit" disabled={busy !== null || !remote.trim()}>
              {busy === 'push' ? 'Pushing…' : 'Push'}
            </button>
          </form>
          <span className="spacer" />
          {confirmRemove ? (
            <>
              <button
                type="button"
                className="danger"
                disabled={busy !== null}
                onClick={() => void remove()}
              >
                Really remove {meta.id}
              </button>
              <button type="button" onClick={() => setConfirmRemove(false)}>
                Keep it
              </button>
            </>
          ) : (
            <button
              type="button"
              className="danger"
              disabled={busy !== null}
              onClick={() => setConfirmRemove(true)}
            >
              Remove…
            </button>
          )}
        </div>
      )}
      {message && (
        <p className={message.bad ? 'error' : 'muted'} role="status">
          {message.text}
        </p>
      )}
    </div>
  );
}
