// The selector of a flagd sync call: which environment a provider follows. Providers send it in
// the `flagd-selector` metadata header (older ones in the request's deprecated `selector` field),
// either as the environment's key (`production`) or in flagd's flag-set form
// (`flagSetId=production`), which is also what the document's metadata.flagSetId says.
import { KEY } from '../config.ts';

const HOW =
  "Send the environment's key as the selector, e.g. 'production' or 'flagSetId=production' (the flagd-selector header, or the provider's selector option).";

export type Selected = { ok: true; environment: string | undefined } | { ok: false; message: string };

/** The environment a selector names (undefined: none named), or what is wrong with it. */
export function selectedEnvironment(selector: string): Selected {
  const text = selector.trim();
  if (text === '') return { ok: true, environment: undefined };
  const equals = text.indexOf('=');
  const name = equals === -1 ? undefined : text.slice(0, equals).trim();
  const value = equals === -1 ? text : text.slice(equals + 1).trim();
  const shown = JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text);
  const malformed = {
    ok: false as const,
    message: `The selector ${shown} is not an environment key. ${HOW}`,
  };
  if (name === '') return malformed;
  if (name !== undefined && name !== 'flagSetId') {
    return {
      ok: false,
      message: `The selector ${shown} names '${name.slice(0, 64)}'; Flagstone selects by flag set (environment) only. ${HOW}`,
    };
  }
  if (!KEY.test(value)) return malformed;
  return { ok: true, environment: value };
}

/** The selector a call sent: the flagd-selector header, else the request's deprecated field. */
export function callSelector(header: readonly unknown[], field: string | undefined): string {
  const sent = header.find((value) => typeof value === 'string');
  return typeof sent === 'string' && sent.trim() !== '' ? sent : (field ?? '');
}
