// The life of one tunnel (one gateway address), as an explicit state machine (STYLE.md §9):
//
//   connecting ──Welcome──► ready ──stop()──► draining ──stream ended──► closed
//       │  ▲                  │
//       │  └──timer── backoff ◄┘ stream dropped (retryable verdict)
//       └─retryable─►─┘
//   connecting / ready ──fatal verdict (UNAUTHENTICATED, PERMISSION_DENIED, …)──► closed
//   connecting / backoff ──stop() or address gone from DNS──► closed
//
// `closed` is final for a Tunnel object; the Agent decides whether a new one is made.
export type TunnelState = 'connecting' | 'ready' | 'draining' | 'backoff' | 'closed';

const ALLOWED: Record<TunnelState, readonly TunnelState[]> = {
  connecting: ['ready', 'backoff', 'closed'],
  ready: ['draining', 'backoff', 'closed'],
  draining: ['closed'],
  backoff: ['connecting', 'closed'],
  closed: [],
};

export function canTransition(from: TunnelState, to: TunnelState): boolean {
  return ALLOWED[from].includes(to);
}

export class TunnelStateError extends Error {}

export function assertTransition(from: TunnelState, to: TunnelState): void {
  if (!canTransition(from, to)) throw new TunnelStateError(`tunnel cannot go from ${from} to ${to}`);
}
