import { useEffect, useId, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { useAction } from '../hooks.ts';
import type { Session, SignInOptions } from '../types.ts';

interface SignInProps {
  /** Why the user is here again, e.g. the session ended. */
  notice?: string;
  onSignedIn: (session: Session) => void;
}

/** Why a sign-in with the identity provider came back without a session, by the reason the service names. */
const FAILURES: Record<string, string> = {
  no_role:
    'You signed in at the identity provider, but none of your groups has a role in Flagstone. Ask an admin to map one of your groups in OIDC_ROLES.',
  idp_unreachable:
    'The identity provider did not answer, so you could not be signed in with it. Try again later, or sign in with an API token.',
  idp_refused: 'The identity provider refused the sign-in. Try again, or ask your identity provider’s admin.',
  sign_in_expired: 'That sign-in took too long or was not started here. Start it again.',
  sign_in_invalid: 'That sign-in could not be verified, so it was refused. Start it again.',
};

/** The reason in the address the service sent the browser back to, read once and removed from it. */
function takeFailure(): string | undefined {
  const url = new URL(window.location.href);
  const reason = url.searchParams.get('signInError');
  if (reason === null) return undefined;
  url.searchParams.delete('signInError');
  window.history.replaceState(null, '', `${url.pathname}${url.search}${url.hash}`);
  return FAILURES[reason] ?? 'The sign-in failed. Start it again.';
}

/** The API token is sent once, to start a session; it is kept nowhere afterwards. */
export function SignIn({ notice, onSignedIn }: SignInProps) {
  const id = useId();
  const [token, setToken] = useState('');
  const [failure] = useState(takeFailure);
  const [options, setOptions] = useState<SignInOptions | undefined>(undefined);
  const { busy, error, run } = useAction();

  useEffect(() => {
    // Without an answer the token form is offered: the service refuses it if it is switched off.
    api.session
      .options()
      .then(setOptions)
      .catch(() => setOptions({ token: true, identityProvider: null }));
  }, []);

  const submit = async (event: Event) => {
    event.preventDefault();
    const session = await run(() => api.session.signIn(token.trim()));
    if (session) {
      setToken('');
      onSignedIn(session);
    }
  };

  const provider = options?.identityProvider;
  return (
    <main class="signin">
      <form class="card signin-card" onSubmit={submit}>
        <p class="brand brand-large" aria-hidden="true">
          <span class="brand-mark" />
          Flagstone
        </p>
        <h1>Sign in to Flagstone</h1>
        {failure && (
          <p class="alert alert-error" role="alert">
            {failure}
          </p>
        )}
        {notice && !error && !failure && (
          <p class="alert alert-info" role="status">
            {notice}
          </p>
        )}
        {provider && (
          <a class="button button-primary button-block" href={provider.start}>
            Sign in with {provider.name}
          </a>
        )}
        {options?.token && (
          <>
            {provider ? (
              <p class="muted">
                Or use an API token: an admin token to change flags, a read token to look around.
              </p>
            ) : (
              <p class="muted">
                Use an API token: an admin token to change flags, a read token to look around.
              </p>
            )}
            <div class="field">
              <label for={`${id}-token`}>API token</label>
              <input
                id={`${id}-token`}
                type="text"
                class="secret"
                autocomplete="off"
                spellcheck={false}
                autocapitalize="off"
                required
                value={token}
                placeholder="fs_…"
                onInput={(event) => setToken(event.currentTarget.value)}
              />
            </div>
            <ErrorAlert error={error} />
            <button
              type="submit"
              class={provider ? 'button button-block' : 'button button-primary button-block'}
              disabled={busy}
            >
              {busy ? 'Signing in…' : 'Sign in'}
            </button>
          </>
        )}
      </form>
    </main>
  );
}
