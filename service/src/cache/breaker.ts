// A circuit breaker around Redis (opossum): after repeated failures it stops calling Redis
// and fails fast, then lets one call through now and then to see whether Redis is back.
import CircuitBreaker from 'opossum';

export type BreakerState = 'closed' | 'half-open' | 'open';

export interface BreakerOptions {
  /** How long the breaker stays open before it lets a probe through. */
  resetTimeoutMs?: number;
  onStateChange?: (state: BreakerState) => void;
}

export function createBreaker({ resetTimeoutMs = 1000, onStateChange = () => {} }: BreakerOptions = {}) {
  const breaker = new CircuitBreaker((work: () => Promise<unknown>) => work(), {
    timeout: false, // commands carry their own timeout
    errorThresholdPercentage: 50,
    volumeThreshold: 5,
    resetTimeout: resetTimeoutMs,
    rollingCountTimeout: 10_000,
    rollingCountBuckets: 10,
  });
  breaker.on('open', () => onStateChange('open'));
  breaker.on('halfOpen', () => onStateChange('half-open'));
  breaker.on('close', () => onStateChange('closed'));
  return {
    run: <T>(work: () => Promise<T>) => breaker.fire(work) as Promise<T>,
    get state(): BreakerState {
      return breaker.opened ? 'open' : breaker.halfOpen ? 'half-open' : 'closed';
    },
    shutdown: () => breaker.shutdown(),
  };
}

export type Breaker = ReturnType<typeof createBreaker>;
