// A small bar chart of evaluations over time, drawn as inline SVG: one bar per hour or day, its
// exact count on hover. The chart is one image to assistive technology, named by its summary.
import { useId } from 'preact/hooks';
import { formatDateTime } from '../format.ts';

const HEIGHT = 60;
const BAR = 6;
const GAP = 1;

const day = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

export function UsageChart({
  series,
  granularity,
}: {
  series: { start: string; count: number }[];
  granularity: 'hour' | 'day';
}) {
  const id = useId();
  const max = Math.max(1, ...series.map((bucket) => bucket.count));
  const total = series.reduce((sum, bucket) => sum + bucket.count, 0);
  const width = Math.max(1, series.length * (BAR + GAP));
  const unit = granularity === 'hour' ? 'hour' : 'day';
  const label = (start: string) =>
    granularity === 'hour' ? formatDateTime(start) : day.format(new Date(start));
  return (
    <svg
      class="usage-chart"
      role="img"
      aria-labelledby={`${id}-title`}
      viewBox={`0 0 ${width} ${HEIGHT}`}
      preserveAspectRatio="none"
    >
      <title id={`${id}-title`}>
        {`Evaluations per ${unit}: ${total.toLocaleString()} in ${series.length} ${unit}s, at most ${
          total === 0 ? 0 : max.toLocaleString()
        } in one`}
      </title>
      <line class="usage-chart-axis" x1={0} x2={width} y1={HEIGHT - 0.5} y2={HEIGHT - 0.5} />
      {series.map((bucket, i) => {
        const height = bucket.count === 0 ? 0 : Math.max(2, (bucket.count / max) * (HEIGHT - 4));
        return (
          <rect
            key={bucket.start}
            class="usage-chart-bar"
            x={i * (BAR + GAP)}
            y={HEIGHT - height}
            width={BAR}
            height={height}
          >
            <title>{`${label(bucket.start)}: ${bucket.count.toLocaleString()}`}</title>
          </rect>
        );
      })}
    </svg>
  );
}
