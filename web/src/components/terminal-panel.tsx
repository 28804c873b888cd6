/**
 * The web terminal of a terminal session the engine hosts (`corral run -i -d`): xterm.js
 * on the engine's terminal WebSocket (src/server/terminal-socket.ts). What the session
 * printed so far shows first, then live; keys typed here go to it, and the window's size
 * follows this panel's. Everyone attached (other pages, `corral attach`) shares the one
 * screen. Ctrl-] hands the keyboard back to the page. When the session ends the panel says
 * so; a dropped connection can be retried.
 */
import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { useEffect, useRef, useState } from 'react';
import { applyStyleNonce } from '../lib/style-nonce.js';

type State = 'connecting' | 'attached' | 'ended' | 'dropped';

const stateText: Record<State, string> = {
  connecting: 'connecting…',
  attached: 'attached: keys typed here go to the session (Ctrl-] gives the keyboard back)',
  ended: 'the session ended',
  dropped: 'not attached (the session is not open here, or the connection dropped)',
};

function terminalUrl(id: string): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}/v1/instances/${encodeURIComponent(id)}/terminal`;
}

export function TerminalPanel({ id }: { id: string }) {
  const host = useRef<HTMLDivElement>(null);
  const [state, setState] = useState<State>('connecting');
  // Bumped to attach again after a drop.
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const element = host.current;
    if (!element) return;
    applyStyleNonce();
    const term = new Terminal({ cursorBlink: true, fontSize: 13, scrollback: 5000 });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(element);
    fit.fit();
    setState('connecting');
    const ws = new WebSocket(terminalUrl(id));
    ws.binaryType = 'arraybuffer';
    let ended = false;
    const sendSize = () => {
      if (ws.readyState === WebSocket.OPEN) {
        ws.send(JSON.stringify({ type: 'resize', rows: term.rows, cols: term.cols }));
      }
    };
    ws.onopen = () => {
      setState('attached');
      sendSize();
      term.focus();
    };
    ws.onmessage = (e: MessageEvent<ArrayBuffer | string>) => {
      if (typeof e.data !== 'string') return term.write(new Uint8Array(e.data));
      if ((JSON.parse(e.data) as { type?: string }).type === 'ended') ended = true;
    };
    ws.onclose = () => setState(ended ? 'ended' : 'dropped');
    const typed = term.onData((data) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'input', data }));
    });
    const resized = term.onResize(sendSize);
    // The terminal takes every key, Tab included; Ctrl-] hands the keyboard back to the page
    // (as `corral attach` lets go with it).
    term.attachCustomKeyEventHandler((e) => {
      if (e.type === 'keydown' && e.ctrlKey && e.key === ']') {
        term.blur();
        return false;
      }
      return true;
    });
    const observer = new ResizeObserver(() => fit.fit());
    observer.observe(element);
    return () => {
      observer.disconnect();
      typed.dispose();
      resized.dispose();
      ws.close();
      term.dispose();
    };
  }, [id, attempt]);

  return (
    <div className="terminal-panel">
      <p className="terminal-state">
        <span data-testid="terminal-state" data-state={state}>
          {stateText[state]}
        </span>
        {state === 'dropped' && (
          <button type="button" onClick={() => setAttempt((n) => n + 1)}>
            Attach again
          </button>
        )}
      </p>
      <div className="terminal-screen" data-testid="terminal" ref={host} />
    </div>
  );
}
