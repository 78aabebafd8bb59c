import { randomBytes, randomUUID } from 'node:crypto';
import { InProcessBus } from '@persona-gateway/bus';
import { SessionCallV1, type GatewayTransport, type RequestOf, type ResponseOf, type SessionKey } from '@persona-gateway/contracts';
import { SecretBox, gatewaySecretContext } from '@persona-gateway/secrets';
import type { SessionOptionsInput } from '../../src/options.js';
import { busSessionEvents, serveSessions } from '../../src/session-bus.js';
import { SessionService } from '../../src/session-service.js';

export interface Harness {
  readonly bus: InProcessBus;
  readonly secrets: SecretBox;
  readonly service: SessionService;
  /** Everything the service logged. */
  readonly logs: string[];
  /** Seals values the way the registry stores them for `gateway`. */
  seal(gateway: string, values: Record<string, string>): Record<string, string>;
  call(key: SessionKey, connection: GatewayTransport, tool: string, args?: Record<string, unknown>, extra?: Partial<RequestOf<typeof SessionCallV1>>): Promise<ResponseOf<typeof SessionCallV1>>;
  close(): Promise<void>;
}

/** The session service as the module wires it (real bus contracts, real secret box), built directly. */
export async function startHarness(options: SessionOptionsInput = {}): Promise<Harness> {
  const bus = new InProcessBus();
  const secrets = SecretBox.fromKey(randomBytes(32).toString('base64'));
  const logs: string[] = [];
  const service = new SessionService({
    secrets,
    instance: { id: randomUUID(), version: '0.0.0-test' },
    events: busSessionEvents(bus),
    logger: { warn: (message) => void logs.push(message) },
    options,
  });
  const subscriptions = await serveSessions(bus, service);
  return {
    bus,
    secrets,
    service,
    logs,
    seal: (gateway, values) => secrets.sealAll(values, gatewaySecretContext(gateway)),
    call: (key, connection, tool, args, extra = {}) =>
      bus.request(SessionCallV1, { key, connection, tool, arguments: args, callId: randomUUID(), ...extra }, { timeoutMs: 30_000 }),
    close: async () => {
      await Promise.all(subscriptions.map((subscription) => subscription.unsubscribe()));
      await service.close();
      await bus.close();
    },
  };
}

export const key = (gateway: string, principal = 'alice', persona = 'support'): SessionKey => ({ persona, gateway, principal });

export const http = (url: string, headers: Record<string, string> = {}): GatewayTransport => ({ type: 'streamable-http', url, headers });

/** Text of the first content block of a tools/call result. */
export function text(result: { content?: Array<Record<string, unknown>> }): string {
  return String(result.content?.[0]?.text ?? '');
}
