/**
 * The local monitoring stack: Debian's `prometheus` with the project's rules (alerts/rules.ts) and
 * scrape job pointed at the dev server, `prometheus-alertmanager` with the routing tree of
 * alerts/routing.ts, and two webhook receivers standing in for on-call (`pager` for critical,
 * `chat` for warning). Everything binds to 127.0.0.1 on free ports with data in a temp dir; the
 * packages' own services are not used.
 *
 * `timeScale` compresses time for drills and tests (0.05: a `for: 2m` holds 6 s, `[5m]` windows
 * span 15 s, evaluation and scrape every 3 s); 1 runs the shipped timings.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { renderAlertmanagerConfig } from '../alerts/alertmanager';
import { EVALUATION_INTERVAL_SECONDS, renderPrometheusRules } from '../alerts/prometheus';
import { RULES_FILE } from '../alerts/promtool-tests';
import { ALERT_RULES } from '../alerts/rules';
import { localPrometheusConfig } from '../alerts/scrape-config';
import { scaleRules } from '../alerts/time-scale';
import { startDaemon, type DaemonProcess } from './daemon-process';
import { freePort } from './redis-process';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver';

export interface MonitoringStackOptions {
  /** Base URL of the dev server whose `/metrics` is scraped, e.g. `http://127.0.0.1:8787`. */
  readonly metricsUrl: string;
  /** Token `/metrics` requires (the metrics token). */
  readonly metricsToken: string;
  /** @default 1 */
  readonly timeScale?: number;
  /** Prints the receivers' lines. @default - silent */
  readonly print?: (line: string) => void;
}

export interface MonitoringStack {
  /** Prometheus UI and API. */
  readonly prometheusUrl: string;
  readonly alertmanagerUrl: string;
  readonly receivers: { readonly pager: WebhookReceiver; readonly chat: WebhookReceiver };
  /** Scrape and rule evaluation interval, in seconds. */
  readonly intervalSeconds: number;
  close(): Promise<void>;
}

const INSTALL_HINT = 'install with: sudo apt-get install -y prometheus prometheus-alertmanager (or run bash scripts/ensure-tools.sh as root)';

export async function startMonitoringStack(opts: MonitoringStackOptions): Promise<MonitoringStack> {
  const scale = opts.timeScale ?? 1;
  const intervalSeconds = Math.max(1, Math.round(EVALUATION_INTERVAL_SECONDS * scale));
  const dir = mkdtempSync(join(tmpdir(), 'cache-monitoring-'));
  const stack: (() => Promise<unknown>)[] = [async () => rmSync(dir, { recursive: true, force: true })];
  const close = async (): Promise<void> => {
    while (stack.length > 0) await stack.pop()?.().catch(() => undefined);
  };
  try {
    const [pager, chat] = await Promise.all([startWebhookReceiver('pager', opts), startWebhookReceiver('chat', opts)]);
    stack.push(() => pager.close(), () => chat.close());

    const [amPort, promPort] = [await freePort(), await freePort()];
    writeFileSync(join(dir, 'alertmanager.yml'), renderAlertmanagerConfig({ webhooks: { pager: pager.url, chat: chat.url }, timeScale: scale }));
    const alertmanager: DaemonProcess = await startDaemon({
      name: 'alertmanager',
      binary: process.env.ALERTMANAGER_BIN ?? 'prometheus-alertmanager',
      args: [
        `--config.file=${join(dir, 'alertmanager.yml')}`, `--storage.path=${join(dir, 'alertmanager-data')}`,
        `--web.listen-address=127.0.0.1:${amPort}`, '--cluster.listen-address=',
      ],
      readyUrl: `http://127.0.0.1:${amPort}/-/ready`,
      installHint: INSTALL_HINT,
    });
    stack.push(() => alertmanager.stop());

    const tokenFile = join(dir, 'metrics-token');
    writeFileSync(tokenFile, opts.metricsToken);
    chmodSync(tokenFile, 0o600);
    writeFileSync(join(dir, RULES_FILE), renderPrometheusRules(scale === 1 ? ALERT_RULES : scaleRules(ALERT_RULES, scale), intervalSeconds));
    writeFileSync(join(dir, 'prometheus.yml'), stringify(localPrometheusConfig({
      target: new URL(opts.metricsUrl).host, tokenFile, alertmanager: `127.0.0.1:${amPort}`, intervalSeconds,
    })));
    const prometheus = await startDaemon({
      name: 'prometheus',
      binary: process.env.PROMETHEUS_BIN ?? 'prometheus',
      args: [
        `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'prometheus-data')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
        // Firing alerts are re-sent every minute by default; a scaled drill wants it at its own pace.
        `--rules.alert.resend-delay=${intervalSeconds}s`,
      ],
      readyUrl: `http://127.0.0.1:${promPort}/-/ready`,
      installHint: INSTALL_HINT,
    });
    stack.push(() => prometheus.stop());

    let closing: Promise<void> | undefined;
    return {
      prometheusUrl: `http://127.0.0.1:${promPort}`,
      alertmanagerUrl: `http://127.0.0.1:${amPort}`,
      receivers: { pager, chat },
      intervalSeconds,
      close: () => (closing ??= close()),
    };
  } catch (error) {
    await close();
    throw error;
  }
}
