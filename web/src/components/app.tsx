/**
 * The page's frame: a header with the pages (real links), the live stream's state and the
 * notifications switch, and the page the address names.
 */
import { FeedContext, useInstanceRows, useStreamState } from '../lib/hooks.js';
import type { LiveFeed } from '../lib/live-feed.js';
import { hrefs, useRoute } from '../lib/route.js';
import { InstancePage } from '../pages/instance-page.js';
import { InstancesPage } from '../pages/instances-page.js';
import { RequestsPage } from '../pages/requests-page.js';
import { NotifySwitch } from './notify-switch.js';

export function App({ feed }: { feed: LiveFeed }) {
  return (
    <FeedContext.Provider value={feed}>
      <Header />
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
    case 'unknown':
      return (
        <p>
          No such page. <a href={hrefs.instances}>All instances</a>
        </p>
      );
  }
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
      </nav>
      <span className={`conn conn-${state}`} role="status" data-testid="stream-state">
        {stateText[state]}
      </span>
      <NotifySwitch />
    </header>
  );
}
