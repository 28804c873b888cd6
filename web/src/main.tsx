/**
 * The dashboard's entry: sign the page in (session.ts), then show the app, or the sign-in
 * form when there is no valid token. One live feed for the whole page.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './components/app.js';
import { SignIn } from './components/sign-in.js';
import { LiveFeed } from './lib/live-feed.js';
import { openSession } from './lib/session.js';
import './styles.css';

const root = createRoot(document.getElementById('root')!);

async function main(): Promise<void> {
  const state = await openSession();
  if (state !== 'signed-in') {
    root.render(
      <StrictMode>
        <main>
          <SignIn refused={state === 'refused'} onSignedIn={() => void main()} />
        </main>
      </StrictMode>,
    );
    return;
  }
  const feed = new LiveFeed();
  feed.start();
  root.render(
    <StrictMode>
      <App feed={feed} />
    </StrictMode>,
  );
}

void main();
