// A date-time from a query string. The schema's date-time format lets through times no clock can
// name (a leap second, year 0): those are a 400 here, never an Invalid Date further on.
import { errors } from './errors.ts';

/** `value` as a Date, or a 400 saying `querystring.<name>` is not a time `what` (e.g. "the audit log can be searched by"). */
export function queryInstant(name: string, value: string, what: string): Date {
  const at = new Date(value);
  if (Number.isNaN(at.getTime()) || at.getUTCFullYear() < 1) {
    throw errors.invalidInput(
      `querystring.${name} ${value} is not a time ${what}. Pass an ISO 8601 date-time from year 1 on, without a leap second, such as 2026-12-08T00:00:00Z.`,
    );
  }
  return at;
}
