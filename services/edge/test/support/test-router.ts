import type { Bus, Subscription } from '@persona-gateway/bus';
import { GatewayError, ProgressNotifiedV1, RouterCallV1, RouterRequestV1, SessionCancelV1, type PayloadOf, type RequestOf } from '@persona-gateway/contracts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface TestRouter {
  readonly calls: RequestOf<typeof RouterCallV1>[];
  readonly cancels: PayloadOf<typeof SessionCancelV1>[];
  close(): Promise<void>;
}

/**
 * Stands in for the router service (which arrives later): answers RouterCallV1 and
 * RouterRequestV1 on the bus the way the real one will, emits progress through
 * ProgressNotifiedV1 to the edge replica named in `notify`, and listens for cancels.
 */
export async function startTestRouter(bus: Bus): Promise<TestRouter> {
  const calls: TestRouter['calls'] = [];
  const cancels: TestRouter['cancels'] = [];
  const waiting = new Map<string, () => void>();
  const subscriptions: Subscription[] = await Promise.all([
    bus.handle(
      RouterCallV1,
      async (call) => {
        calls.push(call);
        const args = call.arguments ?? {};
        switch (call.name) {
          case 'Demo_echo':
            return { content: [{ type: 'text', text: JSON.stringify(args) }], structuredContent: { echoed: args } };
          case 'Demo_progress': {
            const steps = Number(args.steps ?? 3);
            for (let step = 1; step <= steps; step++) {
              if (call.notify && call.progressToken !== undefined) {
                await bus.publish(ProgressNotifiedV1, { ...call.notify, progressToken: call.progressToken, progress: step, total: steps, message: `step ${step}` });
              }
              await sleep(Number(args.delayMs ?? 10));
            }
            return { content: [{ type: 'text', text: `done after ${steps} steps` }] };
          }
          case 'Demo_slow': {
            // Runs until cancelled (or for 20 s), as a long downstream call would.
            let timer: NodeJS.Timeout | undefined;
            await new Promise<void>((resolve) => {
              waiting.set(call.callId, resolve);
              timer = setTimeout(resolve, 20_000);
            });
            clearTimeout(timer);
            throw new GatewayError('CANCELLED', 'Request cancelled');
          }
          case 'Demo_down':
            throw new GatewayError('UNAVAILABLE', 'Downstream gateway endpoint not available: Demo');
          case 'Demo_crash':
            throw new Error('connection to postgres://admin:hunter2@db failed');
          default:
            throw new GatewayError('UNKNOWN_TOOL', `Unknown tool: ${call.name}`);
        }
      },
      { queue: 'router' },
    ),
    bus.handle(
      RouterRequestV1,
      (request) => {
        const params = request.params as Record<string, string>;
        if (request.method === 'resources/read') return { contents: [{ uri: params.uri, mimeType: 'text/plain', text: `contents of ${params.uri}` }] };
        if (request.method === 'prompts/get') return { messages: [{ role: 'user', content: { type: 'text', text: `Hello from ${params.name}` } }] };
        return { completion: { values: ['alpha', 'beta'], hasMore: false } };
      },
      { queue: 'router' },
    ),
    bus.subscribe(SessionCancelV1, (event) => {
      cancels.push(event);
      waiting.get(event.callId)?.();
    }),
  ]);
  return {
    calls,
    cancels,
    close: async () => {
      for (const resolve of waiting.values()) resolve();
      await Promise.all(subscriptions.map((subscription) => subscription.unsubscribe()));
    },
  };
}
