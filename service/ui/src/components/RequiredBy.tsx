// The flags that require this one among their prerequisites, as links: what turning it off or
// changing its variants affects. Nothing when none does.
import { api } from '../api.ts';
import { useApp } from '../context.ts';
import { useResource } from '../hooks.ts';
import { touches } from '../live.ts';

export function RequiredBy({ environment, flagKey }: { environment: string; flagKey: string }) {
  const { link } = useApp();
  const requirers = useResource(
    () => api.flags.requiredBy(environment, flagKey),
    `${environment}/${flagKey}`,
    // Any flag may come to require this one, or stop.
    touches.anyFlag,
  );
  const flags = requirers.data?.flags ?? [];
  if (flags.length === 0) return null;
  return (
    <p class="required-by">
      Required by:{' '}
      {flags.map((key, i) => (
        <span key={key}>
          {i > 0 && ', '}
          <a href={link(`/flags/${key}`)}>{key}</a>
        </span>
      ))}
      . Turning it off, or serving another variant, holds those flags off.
    </p>
  );
}
