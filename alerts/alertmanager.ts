import { stringify } from 'yaml';
import { DEFAULT_ROUTE, NOTIFICATION_ROUTES, type Receiver } from './routing';
import { scaleDuration } from './time-scale';

export interface AlertmanagerConfigOptions {
  /** Webhook URL of each receiver. */
  readonly webhooks: Readonly<Record<Receiver, string>>;
  /** Compress the routing timings by this factor (tests and drills). @default 1 */
  readonly timeScale?: number;
}

/**
 * An Alertmanager configuration with the routing tree of alerts/routing.ts (the one Grafana's
 * notification policy is built from): critical to `pager`, warning and info to `chat`, each a
 * webhook that is also told when the alert resolves.
 */
export function alertmanagerConfig(opts: AlertmanagerConfigOptions): Record<string, unknown> {
  const scale = opts.timeScale ?? 1;
  const t = (d: string): string => (scale === 1 ? d : scaleDuration(d, scale));
  const receivers = [...new Set<Receiver>([DEFAULT_ROUTE.receiver, ...NOTIFICATION_ROUTES.map((r) => r.receiver)])];
  return {
    route: {
      receiver: DEFAULT_ROUTE.receiver,
      group_by: [...DEFAULT_ROUTE.groupBy],
      group_wait: t(DEFAULT_ROUTE.groupWait),
      group_interval: t(DEFAULT_ROUTE.groupInterval),
      repeat_interval: t(DEFAULT_ROUTE.repeatInterval),
      routes: NOTIFICATION_ROUTES.map((r) => ({
        receiver: r.receiver,
        matchers: [`severity="${r.severity}"`],
        group_wait: t(r.groupWait),
        repeat_interval: t(r.repeatInterval),
      })),
    },
    receivers: receivers.map((name) => ({ name, webhook_configs: [{ url: opts.webhooks[name], send_resolved: true }] })),
  };
}

export function renderAlertmanagerConfig(opts: AlertmanagerConfigOptions): string {
  return `# Rendered from alerts/routing.ts by alerts/alertmanager.ts.\n${stringify(alertmanagerConfig(opts), { lineWidth: 0 })}`;
}
