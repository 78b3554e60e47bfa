import { propagation, type Tracer, trace } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from "@opentelemetry/sdk-trace";

export interface TracingOptions {
  /** OTLP/HTTP base URL (`http://collector:4318`); spans go to `<base>/v1/traces` as JSON. */
  endpoint: string;
  serviceName: string;
  serviceVersion?: string;
  /** Share of new traces recorded (OTEL_TRACES_SAMPLER_ARG); a caller's sampled flag is followed. */
  sampleRatio?: number;
}

export interface Tracing {
  tracer: Tracer;
  /** Exports what is still buffered, then stops. */
  shutdown(): Promise<void>;
}

/** The OTLP URL for traces: the traces-specific variable is used as is, the base one gets `/v1/traces`. */
export function tracesUrl(endpoint: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim()) return endpoint;
  return `${endpoint.replace(/\/+$/, "")}/v1/traces`;
}

/**
 * Starts exporting spans over OTLP/HTTP (JSON) in batches, with W3C `traceparent`
 * propagation. No context manager is installed: the server hands a request's span to its
 * query spans itself (traced-store.ts), because async-local context makes every promise of
 * every request pay for promise hooks (bench/FINDINGS.md B22, B28). Called once by the CLI,
 * before the app is built; without it the OpenTelemetry API is a no-op and requests carry
 * no spans.
 */
export function startTracing(options: TracingOptions): Tracing {
  const provider = new TracerProvider({
    sampler: new ParentBasedSampler({
      root: new TraceIdRatioBasedSampler(options.sampleRatio ?? 1),
    }),
    resource: resourceFromAttributes({
      "service.name": options.serviceName,
      ...(options.serviceVersion ? { "service.version": options.serviceVersion } : {}),
    }),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: new OTLPTraceExporter({ url: tracesUrl(options.endpoint) }),
        scheduledDelayMillis: 1000,
      }),
    ],
  });
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  return {
    tracer: provider.getTracer("chronicle", options.serviceVersion),
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      propagation.disable();
    },
  };
}
