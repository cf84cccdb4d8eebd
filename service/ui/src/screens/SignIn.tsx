import { useId, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { useAction } from '../hooks.ts';
import type { Session } from '../types.ts';

interface SignInProps {
  /** Why the user is here again, e.g. the session ended. */
  notice?: string;
  onSignedIn: (session: Session) => void;
}

/** The API token is sent once, to start a session; it is kept nowhere afterwards. */
export function SignIn({ notice, onSignedIn }: SignInProps) {
  const id = useId();
  const [token, setToken] = useState('');
  const { busy, error, run } = useAction();

  const submit = async (event: Event) => {
    event.preventDefault();
    const session = await run(() => api.session.signIn(token.trim()));
    if (session) {
      setToken('');
      onSignedIn(session);
    }
  };

  return (
    <main class="signin">
      <form class="card signin-card" onSubmit={submit}>
        <p class="brand brand-large" aria-hidden="true">
          <span class="brand-mark" />
          Flagstone
        </p>
        <h1>Sign in to Flagstone</h1>
        <p class="muted">Use an API token: an admin token to change flags, a read token to look around.</p>
        {notice && !error && (
          <p class="alert alert-info" role="status">
            {notice}
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
        <button type="submit" class="button button-primary button-block" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
