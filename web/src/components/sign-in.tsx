/**
 * Shown when the page has no valid session: the address corral serve printed signs it in;
 * the token can be pasted here too (a phone that got the address without its fragment).
 */
import { useState, type FormEvent } from 'react';
import { api } from '../lib/api.js';

export function SignIn(props: {
  refused: boolean;
  onSignedIn: () => void;
  title?: string;
  /** Why signing in is asked for again. */
  why?: string;
}) {
  const [token, setToken] = useState('');
  const [refused, setRefused] = useState(props.refused);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (await api.startSession(token.trim())) props.onSignedIn();
    else setRefused(true);
  };
  return (
    <section className="sign-in" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">{props.title ?? 'corral'}</h1>
      {props.why && <p>{props.why}</p>}
      <p>
        Open the address <code>corral serve</code> printed (it carries the token), or paste the
        token here.
      </p>
      {refused && (
        <p className="error" role="alert">
          That token was refused.
        </p>
      )}
      <form onSubmit={(e) => void submit(e)}>
        <label htmlFor="token">Token</label>
        <input
          id="token"
          type="password"
          autoComplete="off"
          value={token}
          onChange={(e) => setToken(e.target.value)}
        />
        <button type="submit">Sign in</button>
      </form>
    </section>
  );
}
