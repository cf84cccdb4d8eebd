// The session gate and the frame around every screen. The environment on screen is in the URL
// (?environment=), so a deep link or a reload shows the same thing.

import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'preact/hooks';
import { LocationProvider, Route, Router, useLocation } from 'preact-iso';
import { type ApiError, api, handleSessionEnded, setCsrfToken } from './api.ts';
import { AppContext, type AppState } from './context.ts';
import { connectLive, disconnectLive } from './live.ts';
import { AuditScreen } from './screens/Audit.tsx';
import { EnvironmentScreen } from './screens/Environment.tsx';
import { EnvironmentsScreen } from './screens/Environments.tsx';
import { FlagScreen } from './screens/Flag.tsx';
import { FlagsScreen } from './screens/Flags.tsx';
import { NotFoundScreen } from './screens/NotFound.tsx';
import { RequestsScreen } from './screens/Requests.tsx';
import { SegmentScreen } from './screens/Segment.tsx';
import { SegmentsScreen } from './screens/Segments.tsx';
import { SignIn } from './screens/SignIn.tsx';
import { TokensScreen } from './screens/Tokens.tsx';
import { WebhooksScreen } from './screens/Webhooks.tsx';
import { rightOn, type Session } from './types.ts';

const BASE = '/ui';
export const SESSION_ENDED = 'Your session ended; sign in again';
/** The environments every installation starts with, for when the list cannot be read. */
const BUILT_IN = ['development', 'staging', 'production'];
/** The service's default environment (DEFAULT_ENVIRONMENT), unless a deployment changed it. */
const PREFERRED = 'development';

/** The environment an environment's page is for (/ui/environments/:key), else undefined. */
function pageEnvironment(path: string) {
  const match = /^\/ui\/environments\/([^/]+)$/.exec(path);
  return match ? decodeURIComponent(match[1]!) : undefined;
}

function urlFor(path: string, environment: string, query: Record<string, string> = {}) {
  const params = new URLSearchParams({ ...query, environment });
  return `${path}?${params}`;
}

interface ShellProps {
  session: Session;
  onSignOut: () => void;
  /** Asks the service whether the session still holds; when it does not, signs out. */
  stillSignedIn: () => Promise<boolean>;
}

function Shell({ session, onSignOut, stillSignedIn }: ShellProps) {
  const pickerId = useId();
  const { path, query, route } = useLocation();
  // A token may be limited to one environment; a person's rights differ per environment instead.
  const only = session.token?.environment ?? null;
  const [known, setKnown] = useState<string[] | null>(only ? [only] : null);
  const [protectedKeys, setProtectedKeys] = useState<string[]>([]);

  const reloadEnvironments = useCallback(() => {
    if (only) return;
    api.environments
      .list()
      .then(({ environments }) => {
        setKnown(environments.map((environment) => environment.key));
        setProtectedKeys(environments.filter((environment) => environment.protected).map((e) => e.key));
      })
      .catch(() => setKnown((current) => current ?? BUILT_IN));
  }, [only]);
  useEffect(reloadEnvironments, [reloadEnvironments]);

  // An environment's own page names its environment in the path, for a link without the query.
  const wanted = query.environment ?? pageEnvironment(path);
  // A link to an environment this session may not see shows its own one, and says so.
  const [refused, setRefused] = useState<{ environment: string; path: string } | null>(null);
  const environment =
    only ?? wanted ?? (known ? (known.includes(PREFERRED) ? PREFERRED : (known[0] ?? PREFERRED)) : undefined);
  // The picker always shows the environment on screen, even one the list does not have.
  const environments =
    known && environment && !known.includes(environment) ? [...known, environment] : (known ?? []);

  useEffect(() => {
    if (path === BASE && environment) route(urlFor(`${BASE}/flags`, environment), true);
    else if (environment && wanted !== environment) {
      // An environment's page shows the environment on screen, so it moves with it.
      const to =
        pageEnvironment(path) === undefined
          ? path
          : `${BASE}/environments/${encodeURIComponent(environment)}`;
      if (wanted) setRefused({ environment: wanted, path: to });
      route(urlFor(to, environment, query), true);
    }
  }, [path, environment, wanted, query, route]);

  useEffect(() => {
    if (!environment) return;
    connectLive(environment, stillSignedIn);
    return disconnectLive;
  }, [environment, stillSignedIn]);

  // After a navigation, the new screen's heading gets the focus, so screen readers announce it.
  const firstPath = useRef(path);
  useEffect(() => {
    if (path === firstPath.current) return;
    firstPath.current = '';
    window.requestAnimationFrame(() => {
      const heading = document.querySelector<HTMLElement>('main h1');
      if (!heading) return;
      heading.tabIndex = -1;
      heading.focus({ preventScroll: false });
    });
  }, [path]);

  const right = environment ? rightOn(session, environment) : undefined;
  const readOnly = right !== 'admin';
  const everywhere = rightOn(session, null);

  const state = useMemo<AppState | null>(
    () =>
      environment
        ? {
            session,
            environment,
            environments,
            readOnly,
            restricted: only !== null,
            link: (to, inEnvironment) => urlFor(`${BASE}${to}`, inEnvironment ?? environment),
            reloadEnvironments,
            protectedEnvironment: protectedKeys.includes(environment),
          }
        : null,
    [session, environment, environments, readOnly, only, reloadEnvironments, protectedKeys],
  );

  const nav = [
    { to: '/flags', label: 'Flags', shown: true },
    { to: '/segments', label: 'Segments', shown: true },
    { to: '/requests', label: 'Requests', shown: true },
    { to: '/audit', label: 'Audit', shown: !readOnly },
    { to: '/webhooks', label: 'Webhooks', shown: !readOnly },
    // Tokens span environments: only admin rights on every environment manage them.
    { to: '/tokens', label: 'Tokens', shown: everywhere === 'admin' },
    { to: '/environments', label: 'Environments', shown: everywhere !== undefined },
  ];

  return (
    <div class="app">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href={environment ? urlFor(`${BASE}/flags`, environment) : `${BASE}/flags`}>
          <span class="brand-mark" aria-hidden="true" />
          Flagstone
        </a>
        <div class={environment === 'production' ? 'env-picker env-production' : 'env-picker'}>
          <label for={pickerId}>Environment</label>
          <select id={pickerId} onChange={(event) => route(urlFor(path, event.currentTarget.value))}>
            {/* `selected`, not the select's value: the options arrive after the first render. */}
            {environments.map((key) => (
              <option key={key} value={key} selected={key === environment}>
                {key}
              </option>
            ))}
          </select>
        </div>
        <div class="topbar-user">
          <span class="topbar-token">
            <span class="visually-hidden">Signed in as </span>
            {session.signedIn.name}
            {right && (
              <span class={readOnly ? 'badge badge-dark' : 'badge badge-dark badge-admin-dark'}>{right}</span>
            )}
          </span>
          <button type="button" class="button button-topbar" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <div class="layout">
        <nav class="sidenav" aria-label="Main">
          <ul>
            {nav
              .filter((item) => item.shown)
              .map((item) => {
                const href = `${BASE}${item.to}`;
                const current = path === href || path.startsWith(`${href}/`);
                return (
                  <li key={item.to}>
                    <a
                      href={environment ? urlFor(href, environment) : href}
                      aria-current={current ? 'page' : undefined}
                      class={current ? 'active' : undefined}
                    >
                      {item.label}
                    </a>
                  </li>
                );
              })}
          </ul>
        </nav>
        <main id="main" class="content">
          {readOnly && environment && (
            <p class="readonly-note">
              {session.person
                ? `Read-only: you have the read role on ${environment}`
                : 'Read-only: signed in with a read token'}
            </p>
          )}
          {refused && refused.path === path && (
            <div role="alert" class="alert alert-warning">
              This link is for the environment “{refused.environment}”, which this session cannot see: it is
              limited to {environment}. Showing {environment} instead.
            </div>
          )}
          {state ? (
            <AppContext.Provider value={state}>
              <Router>
                <Route path="/ui/flags" component={FlagsScreen} />
                <Route path="/ui/flags/:flagKey" component={FlagScreen} />
                <Route path="/ui/segments" component={SegmentsScreen} />
                <Route path="/ui/segments/:segmentKey" component={SegmentScreen} />
                <Route path="/ui/requests" component={RequestsScreen} />
                <Route path="/ui/audit" component={AuditScreen} />
                <Route path="/ui/tokens" component={TokensScreen} />
                <Route path="/ui/webhooks" component={WebhooksScreen} />
                <Route path="/ui/environments" component={EnvironmentsScreen} />
                <Route path="/ui/environments/:environmentKey" component={EnvironmentScreen} />
                <Route default component={NotFoundScreen} />
              </Router>
            </AppContext.Provider>
          ) : (
            <p class="muted">Loading…</p>
          )}
        </main>
      </div>
    </div>
  );
}

export function App() {
  // undefined: still asking the service whether a session exists.
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);

  const start = useCallback((next: Session) => {
    setCsrfToken(next.csrfToken);
    setNotice(undefined);
    setSession(next);
  }, []);

  const end = useCallback((message?: string) => {
    setCsrfToken(null);
    disconnectLive();
    setNotice(message);
    setSession(null);
  }, []);

  useEffect(() => {
    handleSessionEnded(() => end(SESSION_ENDED));
    api.session
      .get()
      .then(start)
      .catch((err: ApiError) => end(err.status === 401 ? undefined : err.message));
  }, [start, end]);

  // A sign-out in another tab or a revoked token ends the event stream: sign out here too.
  const stillSignedIn = useCallback(async () => {
    try {
      await api.session.get();
      return true;
    } catch (err) {
      if ((err as ApiError).status !== 401) return true;
      end(SESSION_ENDED);
      return false;
    }
  }, [end]);

  const signOut = async () => {
    try {
      await api.session.signOut();
      end();
    } catch (err) {
      // Signed out here either way; say so when the service may still hold the session.
      const error = err as ApiError;
      end(error.status === 401 ? undefined : `Signed out here, but the service answered: ${error.message}`);
    }
  };

  if (session === undefined) {
    return (
      <main class="signin">
        <h1 class="visually-hidden">Flagstone</h1>
        <p class="muted">Loading…</p>
      </main>
    );
  }
  if (session === null) return <SignIn notice={notice} onSignedIn={start} />;
  return (
    <LocationProvider scope={BASE}>
      <Shell session={session} onSignOut={signOut} stillSignedIn={stillSignedIn} />
    </LocationProvider>
  );
}
