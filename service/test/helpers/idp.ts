// An OpenID Connect identity provider for tests: oidc-provider on a loopback port, with people
// and their groups the test may change between sign-ins, and a login page (username, password)
// a browser fills. Consent is given at once: the page asks only who you are.
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Account } from 'oidc-provider';
import type { Test } from 'tap';

export interface Person {
  password: string;
  name: string;
  email: string;
  groups: string[];
}

export const CLIENT_ID = 'flagstone';
export const CLIENT_SECRET = 'flagstone-test-client-secret';

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const loginPage = (uid: string, refused = '') => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Test identity provider: sign in</title></head>
<body><main><h1>Test identity provider</h1>
${refused ? `<p role="alert">${escapeHtml(refused)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}">
<label>Username <input name="login" autocomplete="username" required></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Log in</button>
</form></main></body></html>`;

/** The provider's signing key, made once per test process as a production IdP would be given one. */
const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });

type Stored = Record<string, unknown> & {
  grantId?: string;
  uid?: string;
  userCode?: string;
  consumed?: number;
};

/**
 * Where the provider keeps its sessions, grants and codes: in this process, as its own default
 * does, but named so that it does not warn that it is one (each test's provider has its own).
 */
function memoryAdapter() {
  const rows = new Map<string, Stored>();
  return class MemoryAdapter {
    readonly model: string;
    constructor(model: string) {
      this.model = model;
    }
    key = (id: string) => `${this.model}:${id}`;
    async upsert(id: string, payload: Stored) {
      rows.set(this.key(id), payload);
    }
    async find(id: string) {
      return rows.get(this.key(id));
    }
    async findByUid(uid: string) {
      return [...rows.values()].find((row) => row.uid === uid);
    }
    async findByUserCode(userCode: string) {
      return [...rows.values()].find((row) => row.userCode === userCode);
    }
    async consume(id: string) {
      const row = rows.get(this.key(id));
      if (row) row.consumed = Math.floor(Date.now() / 1000);
    }
    async destroy(id: string) {
      rows.delete(this.key(id));
    }
    async revokeByGrantId(grantId: string) {
      for (const [key, row] of rows) if (row.grantId === grantId) rows.delete(key);
    }
  };
}

async function formOf(req: IncomingMessage): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

/**
 * Starts the identity provider; `allow(redirectUri)` registers Flagstone's callback (known once
 * the app listens) and must come before the first sign-in. `people` may be changed at any time.
 */
export async function startIdp(t: Test) {
  const people = new Map<string, Person>();
  let provider: Provider | undefined;

  async function interaction(req: IncomingMessage, res: ServerResponse, uid: string) {
    const idp = provider!;
    const details = await idp.interactionDetails(req, res);
    if (details.prompt.name === 'consent') {
      const accountId = details.session!.accountId;
      const grant = new idp.Grant({ accountId, clientId: details.params.client_id as string });
      grant.addOIDCScope(String(details.params.scope));
      await idp.interactionFinished(req, res, { consent: { grantId: await grant.save() } });
      return;
    }
    if (req.method === 'POST') {
      const form = await formOf(req);
      const login = form.get('login') ?? '';
      if (people.get(login)?.password === form.get('password')) {
        await idp.interactionFinished(
          req,
          res,
          { login: { accountId: login } },
          { mergeWithLastSubmission: false },
        );
        return;
      }
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(loginPage(uid, 'Wrong username or password.'));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(loginPage(uid));
  }

  const server = createServer((req, res) => {
    const match = /^\/interaction\/([^/?]+)/.exec(req.url ?? '');
    if (match) {
      interaction(req, res, match[1]!).catch((err: Error) => {
        res.writeHead(500).end(err.message);
      });
      return;
    }
    if (!provider) {
      res.writeHead(503).end('not set up yet');
      return;
    }
    provider.callback()(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );

  return {
    issuer,
    people,
    /** Registers Flagstone's callback as the client's one redirect URI. */
    allow(redirectUri: string) {
      provider = new Provider(issuer, {
        clients: [
          {
            client_id: CLIENT_ID,
            client_secret: CLIENT_SECRET,
            redirect_uris: [redirectUri],
            grant_types: ['authorization_code'],
            response_types: ['code'],
          },
        ],
        claims: { openid: ['sub'], profile: ['name', 'groups'], email: ['email', 'email_verified'] },
        features: { devInteractions: { enabled: false } },
        interactions: { url: (_ctx: unknown, { uid }: { uid: string }) => `/interaction/${uid}` },
        cookies: { keys: ['test-idp-cookie-key'] },
        jwks: { keys: [signingKey] },
        // Lifetimes in seconds, set as a production provider's are (its defaults print a notice each).
        ttl: {
          AccessToken: 600,
          AuthorizationCode: 60,
          Grant: 3600,
          IdToken: 600,
          Interaction: 600,
          Session: 3600,
        },
        adapter: memoryAdapter(),
        async findAccount(_ctx: unknown, id: string): Promise<Account | undefined> {
          if (!people.has(id)) return undefined;
          return {
            accountId: id,
            async claims() {
              const person = people.get(id)!;
              return {
                sub: id,
                name: person.name,
                email: person.email,
                email_verified: true,
                groups: person.groups,
              };
            },
          };
        },
      });
    },
    /**
     * Goes through the provider as a browser would (its cookies kept, its redirects followed, the
     * login form posted) from `authorizationUrl` until it sends the browser back to `redirectUri`:
     * that return URL, not yet visited.
     */
    async returnFor(authorizationUrl: string, redirectUri: string, login: string): Promise<URL> {
      const jar = new Map<string, string>();
      let url = authorizationUrl;
      let body: URLSearchParams | undefined;
      for (let hops = 0; hops < 20; hops++) {
        if (url.startsWith(redirectUri)) return new URL(url);
        const res = await fetch(url, {
          method: body ? 'POST' : 'GET',
          body,
          redirect: 'manual',
          headers: { cookie: [...jar].map(([name, value]) => `${name}=${value}`).join('; ') },
        });
        for (const cookie of res.headers.getSetCookie()) {
          const [pair] = cookie.split(';');
          const at = pair!.indexOf('=');
          jar.set(pair!.slice(0, at), pair!.slice(at + 1));
        }
        body = undefined;
        const location = res.headers.get('location');
        if (location) {
          url = new URL(location, url).href;
        } else if (res.status === 200 && url.includes('/interaction/')) {
          body = new URLSearchParams({ login, password: people.get(login)?.password ?? '' });
        } else {
          throw new Error(`the identity provider answered ${res.status} at ${url}: ${await res.text()}`);
        }
      }
      throw new Error('the identity provider never sent the browser back');
    },
    /** Stops answering, as an identity provider that is down. */
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type TestIdp = Awaited<ReturnType<typeof startIdp>>;
