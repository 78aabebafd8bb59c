import { metrics, ValueType, type Attributes } from '@opentelemetry/api';

// Instruments are created lazily: the meter provider is installed at start-up, after imports.
let duration: ReturnType<ReturnType<typeof metrics.getMeter>['createHistogram']> | undefined;

/** Measured requests not yet in the histogram: recorded after this turn of the event loop, off the path of the reply. */
let pending: Array<{ readonly subject: string; readonly outcome: string; readonly seconds: number }> = [];
/** One attribute set per subject and outcome, built once (a few dozen at most). */
const attributeSets = new Map<string, Attributes>();

/** Records one request as seen by its sender: subject, outcome code, seconds. */
export function recordRequest(subject: string, outcome: string, seconds: number): void {
  if (pending.length === 0) setImmediate(flush);
  pending.push({ subject, outcome, seconds });
}

function flush(): void {
  const batch = pending;
  pending = [];
  duration ??= metrics.getMeter('persona-gateway.bus').createHistogram('pgw_bus_request_duration', {
    description: 'Bus request round trips, from the sender',
    unit: 's',
    valueType: ValueType.DOUBLE,
    advice: { explicitBucketBoundaries: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] },
  });
  for (const { subject, outcome, seconds } of batch) duration.record(seconds, attributesOf(subject, outcome));
}

function attributesOf(subject: string, outcome: string): Attributes {
  const key = `${subject} ${outcome}`;
  let attributes = attributeSets.get(key);
  if (!attributes) attributeSets.set(key, (attributes = { subject, outcome }));
  return attributes;
}

/** Times a request and records its outcome: 'ok' or the error's code. */
export async function measured<T>(subject: string, request: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    const value = await request();
    recordRequest(subject, 'ok', (performance.now() - started) / 1000);
    return value;
  } catch (error) {
    recordRequest(subject, (error as { code?: string }).code ?? 'INTERNAL', (performance.now() - started) / 1000);
    throw error;
  }
}
