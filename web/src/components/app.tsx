/**
 * The page's frame: a header with the pages (real links), the live stream's state and the
 * notifications switch, and the page the address names.
 */
import { FeedContext, useInstanceRows, useSignedOut, useStreamState } from '../lib/hooks.js';
import type { LiveFeed } from '../lib/live-feed.js';
import { hrefs, useRoute } from '../lib/route.js';
import { BattlePage } from '../pages/battle-page.js';
import { BattlesPage } from '../pages/battles-page.js';
import { InstancePage } from '../pages/instance-page.js';
import { InstancesPage } from '../pages/instances-page.js';
import { RequestsPage } from '../pages/requests-page.js';
import { NotifySwitch } from './notify-switch.js';
import { SignIn } from './sign-in.js';

export function App({ feed }: { feed: LiveFeed }) {
  return (
    <FeedContext.Provider value={feed}>
      <Header />
      <SignedOut feed={feed} />
      <main id="main">
        <Page />
      </main>
    </FeedContext.Provider>
  );
}

function Page() {
  const route = useRoute();
  switch (route.page) {
    case 'instances':
      return <InstancesPage />;
    case 'instance':
      return <InstancePage key={route.id} id={route.id} />;
    case 'requests':
      return <RequestsPage />;
    case 'battles':
      return <BattlesPage />;
    case 'battle':
      return <BattlePage key={route.id} id={route.id} />;
    case 'unknown':
      return (
        <p>
          No such page. <a href={hrefs.instances}>All instances</a>
        </p>
      );
  }
}

/** The session was refused mid-way: sign in again here, the page goes on where it was. */
function SignedOut({ feed }: { feed: LiveFeed }) {
  const signedOut = useSignedOut();
  if (!signedOut) return null;
  return (
    <div className="banner" role="alert">
      <SignIn
        refused={false}
        title="Signed out"
        why="corral serve was started again with another token."
        onSignedIn={() => feed.signedIn()}
      />
    </div>
  );
}

const stateText = {
  connecting: 'connecting…',
  live: 'live',
  down: 'reconnecting…',
  ended: 'closed',
} as const;

function Header() {
  const route = useRoute();
  const state = useStreamState();
  const signedOut = useSignedOut();
  const rows = useInstanceRows();
  const pending = rows.reduce((n, r) => n + r.pending.length, 0);
  return (
    <header className="top">
      <a className="brand" href={hrefs.instances}>
        corral
      </a>
      <nav aria-label="Pages">
        <a href={hrefs.instances} aria-current={route.page === 'instances' ? 'page' : undefined}>
          Instances
        </a>
        <a href={hrefs.requests} aria-current={route.page === 'requests' ? 'page' : undefined}>
          Requests{pending > 0 && <span className="count">{pending}</span>}
        </a>
        <a
          href={hrefs.battles}
          aria-current={route.page === 'battles' || route.page === 'battle' ? 'page' : undefined}
        >
          Battles
        </a>
      </nav>
      <span className={`conn conn-${state}`} role="status" data-testid="stream-state">
        {signedOut ? 'signed out' : stateText[state]}
      </span>
      <NotifySwitch />
    </header>
  );
}
