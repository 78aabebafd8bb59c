import type { Bus, Subscription } from '@persona-gateway/bus';
import { CallNotifiedV1, ClientRequestedV1, ClientRespondedV1, ProgressNotifiedV1, ResourceUpdatedV1, RouterCallV1, RouterRequestV1, SessionCancelV1 } from '@persona-gateway/contracts';
import type { ClientAnswer, ForwardedRequest, McpBackend, SessionTerminated, ToolCall } from './backend.js';
import type { McpEndpoint } from './mcp-endpoint.js';
import { McpSessionTerminatedV1 } from './session-terminated.contract.js';

/** The endpoint's port to the gateway, on the bus. */
export class BusBackend implements McpBackend {
  constructor(private readonly bus: Bus) {}

  callTool(call: ToolCall, timeoutMs: number) {
    return this.bus.request(RouterCallV1, call, { timeoutMs });
  }

  forward(request: ForwardedRequest, timeoutMs: number) {
    return this.bus.request(RouterRequestV1, request, { timeoutMs });
  }

  cancel(callId: string, reason: string | undefined): Promise<void> {
    return this.bus.publish(SessionCancelV1, reason === undefined ? { callId } : { callId, reason });
  }

  clientResponded(answer: ClientAnswer): Promise<void> {
    return this.bus.publish(ClientRespondedV1, answer);
  }

  sessionTerminated(event: SessionTerminated): Promise<void> {
    return this.bus.publish(McpSessionTerminatedV1, event);
  }
}

/**
 * What the endpoint hears from the bus. Every replica subscribes (no queue group): progress,
 * log messages and server requests are addressed to one replica by id and the others drop
 * them; a termination and a resource update concern all.
 */
export async function listenForEndpoint(bus: Bus, endpoint: McpEndpoint): Promise<Subscription[]> {
  return Promise.all([
    bus.subscribe(ProgressNotifiedV1, (event) => endpoint.progress(event)),
    bus.subscribe(CallNotifiedV1, (event) => endpoint.callNotification(event)),
    bus.subscribe(ClientRequestedV1, (event) => endpoint.clientRequest(event)),
    bus.subscribe(ResourceUpdatedV1, (event) => endpoint.resourceUpdated(event)),
    bus.subscribe(McpSessionTerminatedV1, (event) => endpoint.sessionTerminated(event)),
  ]);
}
