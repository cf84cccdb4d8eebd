// The browser side of ofrep-live.test.ts: a page that follows one flag through the OpenFeature
// web SDK and its OFREP provider, recording every value it has had and when.
import { OFREPWebProvider } from '@openfeature/ofrep-web-provider';
import { OpenFeature, ProviderEvents } from '@openfeature/web-sdk';

interface Seen {
  value: boolean;
  at: number;
}

async function follow(baseUrl: string, token: string, key: string): Promise<string> {
  const seen: Seen[] = [];
  (globalThis as unknown as { seen: Seen[] }).seen = seen;
  try {
    await OpenFeature.setContext({ targetingKey: 'user-1' });
    await OpenFeature.setProviderAndWait(
      new OFREPWebProvider({ baseUrl, headers: [['Authorization', `Bearer ${token}`]] }),
    );
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
  const client = OpenFeature.getClient();
  const record = () => seen.push({ value: client.getBooleanValue(key, false), at: Date.now() });
  record();
  OpenFeature.addHandler(ProviderEvents.ConfigurationChanged, record);
  // A flag that is off with no off variant: the page's own default, without an error.
  const { value, reason, errorCode } = client.getStringDetails('banner-text', 'code default');
  return `following; banner-text: ${value} (${reason}, ${errorCode ?? 'no error'})`;
}

(globalThis as unknown as { follow: typeof follow }).follow = follow;
