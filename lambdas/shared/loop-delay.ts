/**
 * Timeouts that measure time on the wire, not time in our own queue.
 *
 * A cold start or a burst on a busy CPU delays this process's event loop: an answer that arrived
 * in 20 ms can wait 600 ms in the socket buffer before JavaScript sees it, and a plain 500 ms
 * timer (which runs before I/O callbacks in the same loop turn) then calls a healthy Redis slow,
 * opens the circuit breaker and turns reads into BYPASS. So a sampler measures the loop's delay
 * (how late a 10 ms interval fires, summed), and a timeout only fires once the elapsed time minus
 * the loop delay during it reaches the limit: Upstash trouble still times out after the limit, our
 * own saturation only stretches the wait, up to `maxWallMs` (a hung Lambda freeze or an endless
 * stall still ends). Chosen over `perf_hooks.monitorEventLoopDelay` because a histogram tells how
 * delayed the loop was, not how much of one call's wait was delay; the sum answers that directly.
 */

const SAMPLE_MS = 10;

let accumulated = 0;
let lastTick = 0;
let sampler: NodeJS.Timeout | undefined;

function startSampler(): void {
  lastTick = performance.now();
  sampler = setInterval(() => {
    const now = performance.now();
    accumulated += Math.max(0, now - lastTick - SAMPLE_MS);
    lastTick = now;
  }, SAMPLE_MS);
  sampler.unref();
}

/** Total event-loop delay of this process so far, in ms (includes the delay of the pending tick). */
export function loopDelayMs(): number {
  if (sampler === undefined) startSampler();
  return accumulated + Math.max(0, performance.now() - lastTick - SAMPLE_MS);
}

export class WireTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`request timeout: no answer within ${timeoutMs} ms on the wire`);
    this.name = 'TimeoutError';
  }
}

export interface WireTimer {
  /** Aborted with a `WireTimeoutError` once `timeoutMs` passed on the wire. */
  readonly signal: AbortSignal;
  /** Stops the timer (the call is over). */
  clear(): void;
}

/**
 * A timer of `timeoutMs` that does not count this process's own event-loop delay.
 * `maxWallMs` (default 4 × `timeoutMs`) bounds the wall-clock wait whatever the delay.
 */
export function wireTimer(timeoutMs: number, maxWallMs = 4 * timeoutMs): WireTimer {
  const controller = new AbortController();
  const started = performance.now();
  const delayAtStart = loopDelayMs();
  let timer: NodeJS.Timeout | undefined;
  const check = (): void => {
    const wall = performance.now() - started;
    const onWire = wall - (loopDelayMs() - delayAtStart);
    if (onWire >= timeoutMs || wall >= maxWallMs) {
      controller.abort(new WireTimeoutError(timeoutMs));
      return;
    }
    timer = setTimeout(check, Math.max(1, Math.min(timeoutMs - onWire, maxWallMs - wall)));
    timer.unref();
  };
  timer = setTimeout(check, timeoutMs);
  timer.unref();
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}
