import type { StaleReason } from '../types.ts';

/** Why a flag is stale, one reason a line. */
export function StaleReasons({ reasons }: { reasons: StaleReason[] | undefined }) {
  if (!reasons?.length) return <span class="muted">—</span>;
  return (
    <ul class="stale-reasons">
      {reasons.map((reason) => (
        <li key={reason.code}>{reason.message}</li>
      ))}
    </ul>
  );
}
