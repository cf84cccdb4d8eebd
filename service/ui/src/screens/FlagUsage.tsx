// A flag's usage: when it was last evaluated, its evaluations per hour (the last 7 days) or per
// day (the last 30) as a chart, and the totals per variant. As of the last flush: about a minute behind.
import { useId, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { TimeOrNever } from '../components/Time.tsx';
import { UsageChart } from '../components/UsageChart.tsx';
import { useResource } from '../hooks.ts';

/** How the counters' fixed names read. */
const variantName = (variant: string) =>
  variant === '(default)' ? 'code default (no variant)' : variant === '(read)' ? 'read API reads' : variant;

export function FlagUsage({ environment, flagKey }: { environment: string; flagKey: string }) {
  const id = useId();
  const [granularity, setGranularity] = useState<'hour' | 'day'>('hour');
  const usage = useResource(
    () => api.flags.usage(environment, flagKey, granularity),
    `${environment}|${flagKey}|${granularity}`,
  );
  const data = usage.data;
  return (
    <div class="flag-usage">
      <ErrorAlert error={usage.error} />
      <p>
        Last evaluated: <TimeOrNever iso={data?.lastEvaluatedAt} />
        {data && (
          <>
            {' · '}
            {data.total.toLocaleString()} evaluations in the last{' '}
            {granularity === 'hour' ? '7 days' : '30 days'}
          </>
        )}
      </p>
      <div class="field">
        <label for={`${id}-period`}>Counts per</label>
        <select
          id={`${id}-period`}
          value={granularity}
          onChange={(event) => setGranularity(event.currentTarget.value as 'hour' | 'day')}
        >
          <option value="hour">hour, last 7 days</option>
          <option value="day">day, last 30 days</option>
        </select>
      </div>
      {data && <UsageChart series={data.series} granularity={data.granularity} />}
      {data && data.variants.length > 0 && (
        <table class="table usage-totals">
          <caption class="visually-hidden">Evaluations per variant</caption>
          <thead>
            <tr>
              <th scope="col">Variant</th>
              <th scope="col">Evaluations</th>
            </tr>
          </thead>
          <tbody>
            {data.variants.map(({ variant, count }) => (
              <tr key={variant}>
                <th scope="row">{variantName(variant)}</th>
                <td>{count.toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p class="hint">Counted by every instance and saved about once a minute.</p>
    </div>
  );
}
