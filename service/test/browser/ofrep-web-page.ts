// The browser side of ofrep-web.test.ts: the OpenFeature web SDK with its OFREP provider, as a
// web app would use them. The test calls `evaluateIn` and reads back the details.
import { OFREPWebProvider } from '@openfeature/ofrep-web-provider';
import { type EvaluationContext, OpenFeature } from '@openfeature/web-sdk';

type Check = [key: string, kind: 'boolean' | 'string', codeDefault: boolean | string];

async function evaluateIn(baseUrl: string, token: string, context: EvaluationContext, checks: Check[]) {
  await OpenFeature.setContext(context);
  await OpenFeature.setProviderAndWait(
    new OFREPWebProvider({ baseUrl, headers: [['Authorization', `Bearer ${token}`]] }),
  );
  const client = OpenFeature.getClient();
  return checks.map(([key, kind, codeDefault]) => {
    const { value, variant, reason, errorCode } =
      kind === 'boolean'
        ? client.getBooleanDetails(key, codeDefault as boolean)
        : client.getStringDetails(key, codeDefault as string);
    return { key, value, variant: variant ?? null, reason: reason ?? null, errorCode: errorCode ?? null };
  });
}

(globalThis as unknown as { evaluateIn: typeof evaluateIn }).evaluateIn = evaluateIn;
