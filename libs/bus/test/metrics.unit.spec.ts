import { metrics } from '@opentelemetry/api';
import { MeterProvider, MetricReader, type HistogramMetricData } from '@opentelemetry/sdk-metrics';
import { InProcessBus } from '@persona-gateway/bus';
import { defineRequest, GatewayError } from '@persona-gateway/contracts';
import { z } from 'zod';

class TestReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

const reader = new TestReader();
beforeAll(() => metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] })));

const Echo = defineRequest({ subject: 'test.metrics.echo.v1', request: z.object({ text: z.string() }), response: z.object({ text: z.string() }) });
const Nobody = defineRequest({ subject: 'test.metrics.nobody.v1', request: z.object({}), response: z.object({}) });
const Refuse = defineRequest({ subject: 'test.metrics.refuse.v1', request: z.object({}), response: z.object({}) });

/** Count and sum of pgw_bus_request_duration per "subject outcome". */
async function durations(): Promise<Map<string, { count: number; sum: number }>> {
  const { resourceMetrics } = await reader.collect();
  const result = new Map<string, { count: number; sum: number }>();
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      if (metric.descriptor.name !== 'pgw_bus_request_duration') continue;
      for (const point of (metric as HistogramMetricData).dataPoints) result.set(`${String(point.attributes.subject)} ${String(point.attributes.outcome)}`, { count: point.value.count, sum: point.value.sum ?? 0 });
    }
  }
  return result;
}

describe('bus request metrics', () => {
  it('records every request by subject and outcome, with its duration, once the reply is on its way', async () => {
    const bus = new InProcessBus();
    await bus.handle(Echo, async ({ text }) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return { text };
    });
    await bus.handle(Refuse, () => {
      throw new GatewayError('UNAUTHORIZED', 'no');
    });
    for (const text of ['a', 'b', 'c']) await bus.request(Echo, { text });
    await expect(bus.request(Nobody, {})).rejects.toMatchObject({ code: 'NO_RESPONDERS' });
    await expect(bus.request(Refuse, {})).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await new Promise((resolve) => setImmediate(resolve));

    const recorded = await durations();
    expect(recorded.get(`${Echo.subject} ok`)?.count).toBe(3);
    // Seconds, each request at least the handler's 20 ms.
    expect(recorded.get(`${Echo.subject} ok`)?.sum).toBeGreaterThanOrEqual(0.055);
    expect(recorded.get(`${Echo.subject} ok`)?.sum).toBeLessThan(10);
    expect(recorded.get(`${Nobody.subject} NO_RESPONDERS`)?.count).toBe(1);
    expect(recorded.get(`${Refuse.subject} UNAUTHORIZED`)?.count).toBe(1);
    await bus.close();
  });
});
