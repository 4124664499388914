/**
 * The tracer provider every function installs once per container, so the spans the code creates
 * through `@opentelemetry/api` leave the function.
 *
 * `CACHE_TRACING` chooses the exporter:
 * - `otlp`: OTLP/HTTP to `OTEL_EXPORTER_OTLP_ENDPOINT` (default `http://localhost:4318`, the ADOT
 *   collector Lambda layer the runtime stack attaches; it forwards to X-Ray). Set in AWS.
 * - `console`: one JSON-ish line per span on stdout (`npm run dev` with `CACHE_TRACING=console`).
 * - unset or `off`: no provider, spans are no-ops (tests, and `npm run dev` by default).
 *
 * Spans nest under the caller: the parent comes from Lambda's X-Ray segment (`_X_AMZN_TRACE_ID`,
 * active tracing) or, outside Lambda, from the request's `traceparent` / `X-Amzn-Trace-Id` header.
 * Lambda freezes after the answer, so `traced()` flushes before returning.
 */
import { context, propagation, ROOT_CONTEXT, trace, type Context, type TextMapGetter } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { AWSXRayPropagator } from '@opentelemetry/propagator-aws-xray';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor, TracerProvider, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace';

export type TracingMode = 'otlp' | 'console' | 'off';

export interface TracingOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Export here instead of what `CACHE_TRACING` says (tests: an `InMemorySpanExporter`, exported at once). */
  readonly exporter?: SpanExporter;
}

export interface Tracing {
  readonly mode: TracingMode | 'custom';
  /** Exports every ended span now (awaited before a Lambda answers). */
  flush(): Promise<void>;
  /** Flushes and removes the provider (tests). */
  shutdown(): Promise<void>;
}

export function tracingMode(env: NodeJS.ProcessEnv): TracingMode {
  const raw = (env.CACHE_TRACING ?? 'off').toLowerCase();
  if (raw === 'otlp' || raw === 'console' || raw === 'off') return raw;
  throw new Error(`CACHE_TRACING must be otlp, console or off, got "${env.CACHE_TRACING}"`);
}

let installed: Tracing | undefined;

/** Installs the global tracer provider once; later calls return the first. Undefined when off. */
export function installTracing(opts: TracingOptions = {}): Tracing | undefined {
  if (installed) return installed;
  const env = opts.env ?? process.env;
  const mode = opts.exporter ? 'custom' : tracingMode(env);
  if (mode === 'off') return undefined;
  let processor: SpanProcessor;
  if (opts.exporter) processor = new SimpleSpanProcessor({ exporter: opts.exporter });
  else if (mode === 'console') processor = new SimpleSpanProcessor({ exporter: new ConsoleSpanExporter() });
  else {
    const endpoint = (env.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'http://localhost:4318').replace(/\/+$/, '');
    processor = new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${endpoint}/v1/traces` }) });
  }
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      'service.name': env.OTEL_SERVICE_NAME ?? env.AWS_LAMBDA_FUNCTION_NAME ?? 'cache-platform',
      'deployment.environment.name': env.CACHE_ENV ?? 'dev',
      ...(env.AWS_LAMBDA_FUNCTION_NAME ? { 'cloud.provider': 'aws', 'faas.name': env.AWS_LAMBDA_FUNCTION_NAME } : {}),
    }),
    spanProcessors: [processor],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new AWSXRayPropagator()] }));
  trace.setGlobalTracerProvider(provider);
  const tracing: Tracing = {
    mode,
    flush: () => provider.forceFlush(),
    shutdown: async () => {
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
      installed = undefined;
    },
  };
  installed = tracing;
  return tracing;
}

const headerGetter: TextMapGetter<Readonly<Record<string, string | undefined>>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key] ?? carrier[key.toLowerCase()],
};

/** The parent of a request's spans: Lambda's X-Ray segment, else the caller's trace headers. */
export function parentContext(headers: Readonly<Record<string, string | undefined>> | undefined, env: NodeJS.ProcessEnv = process.env): Context {
  const lambdaTrace = env._X_AMZN_TRACE_ID;
  const carrier: Record<string, string | undefined> = lambdaTrace ? { 'x-amzn-trace-id': lambdaTrace } : lowercase(headers ?? {});
  return propagation.extract(ROOT_CONTEXT, carrier, headerGetter);
}

function lowercase(headers: Readonly<Record<string, string | undefined>>): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

/** Runs `fn` under the request's parent context and flushes its spans before answering. */
export async function traced<T>(headers: Readonly<Record<string, string | undefined>> | undefined, fn: () => Promise<T>): Promise<T> {
  if (!installed) return fn();
  try {
    return await context.with(parentContext(headers), fn);
  } finally {
    await installed.flush().catch(() => undefined);
  }
}
