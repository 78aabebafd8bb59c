import type { IncomingMessage, ServerResponse } from 'node:http';
import { context, metrics, propagation, type Meter } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

export interface TelemetryOptions {
  readonly serviceName: string;
  readonly version?: string;
  /** When set, traces and metrics are also exported over OTLP/HTTP to this collector. */
  readonly otlpEndpoint?: string;
}

export interface Telemetry {
  readonly meter: Meter;
  /** Writes the Prometheus text exposition of every metric to the response. */
  serveMetrics(request: IncomingMessage, response: ServerResponse): void;
  shutdown(): Promise<void>;
}

let active: Telemetry | undefined;

/**
 * Starts OpenTelemetry once per process. Trace context propagation (W3C) is always on,
 * so a `traceparent` that arrives over HTTP travels on across the bus; the OTel SDK with
 * OTLP export starts only when an endpoint is configured. Metrics are always kept, for
 * /metrics.
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  if (active) return active;
  const prometheus = new PrometheusExporter({ preventServerStart: true });
  const resource = resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName, [ATTR_SERVICE_VERSION]: options.version ?? '0.0.0' });
  const propagator = new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] });
  let shutdownSdk: () => Promise<void> = async () => undefined;

  if (options.otlpEndpoint) {
    const base = options.otlpEndpoint.replace(/\/+$/, '');
    const sdk = new NodeSDK({
      resource,
      autoDetectResources: false,
      traceExporter: new OTLPTraceExporter({ url: `${base}/v1/traces` }),
      metricReaders: [
        prometheus,
        new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: `${base}/v1/metrics` }), exportIntervalMillis: 15_000 }),
      ],
      instrumentations: [],
      textMapPropagator: propagator,
      contextManager: new AsyncLocalStorageContextManager(),
    });
    sdk.start();
    shutdownSdk = () => sdk.shutdown();
  } else {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(propagator);
    const provider = new MeterProvider({ resource, readers: [prometheus] });
    metrics.setGlobalMeterProvider(provider);
    shutdownSdk = () => provider.shutdown();
  }

  active = {
    meter: metrics.getMeter('persona-gateway'),
    serveMetrics: (request, response) => prometheus.getMetricsRequestHandler(request, response),
    shutdown: async () => {
      active = undefined;
      await shutdownSdk();
    },
  };
  return active;
}
