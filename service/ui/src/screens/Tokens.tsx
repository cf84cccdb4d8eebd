import { useId, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { DataTable } from '../components/DataTable.tsx';
import { ErrorAlert, Status } from '../components/ErrorAlert.tsx';
import { Modal } from '../components/Modal.tsx';
import { NewSecret } from '../components/NewSecret.tsx';
import { PageHead } from '../components/PageHead.tsx';
import { Time, TimeOrNever } from '../components/Time.tsx';
import { useApp } from '../context.ts';
import { useAction, useResource, useTitle } from '../hooks.ts';
import type { MintedToken, Token, TokenScope } from '../types.ts';

function MintForm({
  environments,
  disabled,
  onMinted,
}: {
  environments: string[];
  disabled: boolean;
  onMinted: (token: MintedToken) => void;
}) {
  const id = useId();
  const [name, setName] = useState('');
  const [scope, setScope] = useState<TokenScope>('read');
  const [environment, setEnvironment] = useState('');
  const { busy, error, run } = useAction();

  const submit = async (event: Event) => {
    event.preventDefault();
    const minted = await run(() =>
      api.tokens.mint({ name: name.trim(), scope, ...(environment ? { environment } : {}) }),
    );
    if (minted) {
      setName('');
      onMinted(minted);
    }
  };

  return (
    <form class="card inline-form" onSubmit={submit}>
      <h2 class="card-title">Mint a token</h2>
      <div class="inline-form-row">
        <div class="field">
          <label for={`${id}-name`}>Name</label>
          <input
            id={`${id}-name`}
            type="text"
            value={name}
            required
            maxLength={100}
            autocomplete="off"
            placeholder="e.g. checkout-service"
            onInput={(event) => setName(event.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for={`${id}-scope`}>Scope</label>
          <select
            id={`${id}-scope`}
            value={scope}
            onChange={(event) => setScope(event.currentTarget.value as TokenScope)}
          >
            <option value="read">read: read and evaluate</option>
            <option value="admin">admin: everything</option>
          </select>
        </div>
        <div class="field">
          <label for={`${id}-environment`}>Environment restriction</label>
          <select
            id={`${id}-environment`}
            value={environment}
            onChange={(event) => setEnvironment(event.currentTarget.value)}
          >
            <option value="">all environments</option>
            {environments.map((key) => (
              <option key={key} value={key}>
                {key} only
              </option>
            ))}
          </select>
        </div>
        <button type="submit" class="button button-primary" disabled={disabled || busy}>
          Mint token
        </button>
      </div>
      <ErrorAlert error={error} />
    </form>
  );
}

/** An admin token for every environment: the service keeps at least one of them live. */
const reachesEverything = (token: Token) =>
  token.scope === 'admin' && token.environment === null && !token.revokedAt;

/** Why `token` cannot be revoked: the service refuses to revoke the last admin token for every environment. */
function LastAdminToken({ token, onClose }: { token: Token; onClose: () => void }) {
  const bodyId = useId();
  return (
    <Modal title={`${token.name} cannot be revoked`} onClose={onClose} describedBy={bodyId}>
      <div id={bodyId} class="modal-body">
        <p class="alert alert-warning">
          <strong>{token.name}</strong> is the last admin token for all environments: without it nobody could
          administer Flagstone.
        </p>
        <p>Mint another admin token for all environments first, then revoke this one.</p>
      </div>
      <div class="modal-actions">
        <button type="button" class="button button-primary" onClick={onClose}>
          Close
        </button>
      </div>
    </Modal>
  );
}

/** Asks before revoking `token`, saying so when it is the one this session is signed in with. */
function ConfirmRevoke({
  token,
  own,
  busy,
  onCancel,
  onConfirm,
}: {
  token: Token;
  own: boolean;
  busy: boolean;
  onCancel: () => void;
  onConfirm: () => void;
}) {
  return (
    <ConfirmDialog
      title={own ? `Revoke ${token.name} and sign out?` : `Revoke ${token.name}?`}
      danger
      busy={busy}
      onCancel={onCancel}
      onConfirm={onConfirm}
    >
      {own && (
        <p class="alert alert-warning">
          You are signed in with <strong>{token.name}</strong>: revoking it signs you out, here and in every
          other session of this token.
        </p>
      )}
      <p>
        Everything using <strong>{token.name}</strong> gets 401 from now on. This cannot be undone.
      </p>
    </ConfirmDialog>
  );
}

export function TokensScreen() {
  useTitle('Tokens');
  const { environments, readOnly, session } = useApp();
  const list = useResource(() => api.tokens.list(), 'tokens', false);
  const [minted, setMinted] = useState<MintedToken | null>(null);
  const [revoking, setRevoking] = useState<Token | null>(null);
  const [status, setStatus] = useState('');
  const revoke = useAction();

  const doRevoke = async (token: Token) => {
    const done = await revoke.run(async () => {
      await api.tokens.revoke(token.id);
      return true;
    });
    setRevoking(null);
    if (done) {
      setStatus(`Revoked ${token.name}`);
      await list.reload();
    }
  };

  const tokens = list.data?.tokens ?? [];
  const last = (token: Token) =>
    reachesEverything(token) && !tokens.some((other) => other.id !== token.id && reachesEverything(other));

  return (
    <>
      <PageHead title="Tokens">
        API tokens for services and people. Secrets are shown once, when minted.
      </PageHead>

      {minted ? (
        <NewSecret
          title={<>Token “{minted.name}” minted</>}
          label="Token secret"
          secret={minted.token}
          onDone={() => setMinted(null)}
        >
          Copy the secret now: it will not be shown again. Flagstone keeps only a hash of it.
        </NewSecret>
      ) : (
        <MintForm
          environments={environments}
          disabled={readOnly}
          onMinted={(token) => {
            setMinted(token);
            void list.reload();
          }}
        />
      )}

      <Status message={status} />
      <ErrorAlert error={list.error ?? revoke.error} />
      <DataTable
        caption={'API tokens'}
        columns={['Name', 'Scope', 'Environment', 'Created', 'Last used', 'Status', null]}
        what="tokens"
        loading={list.loading}
      >
        {tokens.map((token) => (
          <tr key={token.id} class={token.revokedAt ? 'row-revoked' : undefined}>
            <th scope="row">{token.name}</th>
            <td>
              <span class={token.scope === 'admin' ? 'badge badge-admin' : 'badge'}>{token.scope}</span>
            </td>
            <td>{token.environment ?? <span class="muted">all</span>}</td>
            <td class="cell-time">
              <Time iso={token.createdAt} />
            </td>
            <td class="cell-time">
              <TimeOrNever iso={token.lastUsedAt} />
            </td>
            <td class="cell-time">
              {token.revokedAt ? (
                <>
                  <span class="badge badge-revoked">Revoked</span> <Time iso={token.revokedAt} />
                </>
              ) : (
                <span class="badge badge-active">Active</span>
              )}
            </td>
            <td class="cell-actions">
              {!token.revokedAt && (
                <button
                  type="button"
                  class="button button-small button-danger-outline"
                  aria-label={`Revoke ${token.name}`}
                  disabled={readOnly}
                  onClick={() => {
                    revoke.setError(undefined);
                    setRevoking(token);
                  }}
                >
                  Revoke
                </button>
              )}
            </td>
          </tr>
        ))}
      </DataTable>

      {revoking &&
        (last(revoking) ? (
          <LastAdminToken token={revoking} onClose={() => setRevoking(null)} />
        ) : (
          <ConfirmRevoke
            token={revoking}
            own={revoking.id === session.token?.id}
            busy={revoke.busy}
            onCancel={() => setRevoking(null)}
            onConfirm={() => void doRevoke(revoking)}
          />
        ))}
    </>
  );
}
