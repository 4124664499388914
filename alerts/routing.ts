import type { Severity } from './types';

/** Receivers an alert can reach: `pager` wakes someone up, `chat` is read in working hours. */
export type Receiver = 'pager' | 'chat';

export interface NotificationRoute {
  readonly severity: Severity;
  readonly receiver: Receiver;
  /** Wait before the first notification of a new group. */
  readonly groupWait: string;
  /** Repeat of a still-firing group. */
  readonly repeatInterval: string;
}

/**
 * The routing tree by severity, one source for Grafana's notification policy
 * (stacks/observability-stack.ts) and the local Alertmanager (alerts/alertmanager.ts).
 */
export const NOTIFICATION_ROUTES: readonly NotificationRoute[] = [
  { severity: 'critical', receiver: 'pager', groupWait: '30s', repeatInterval: '1h' },
  { severity: 'warning', receiver: 'chat', groupWait: '1m', repeatInterval: '12h' },
  { severity: 'info', receiver: 'chat', groupWait: '1m', repeatInterval: '24h' },
];

/** The root route: anything without a matching severity goes to chat. */
export const DEFAULT_ROUTE = {
  receiver: 'chat' as Receiver,
  groupBy: ['alertname', 'environment'] as readonly string[],
  groupWait: '1m',
  groupInterval: '5m',
  repeatInterval: '12h',
} as const;

/** Where each severity is delivered. */
export function receiverFor(severity: Severity): Receiver {
  return NOTIFICATION_ROUTES.find((r) => r.severity === severity)?.receiver ?? DEFAULT_ROUTE.receiver;
}
