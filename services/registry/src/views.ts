import type { GatewayState } from '@persona-gateway/catalog';
import type { GatewayDetails, GatewaySummary } from '@persona-gateway/contracts';

/** A gateway as the admin API shows it: header and env names, never their (sealed) values. */
export function gatewaySummary(gateway: GatewayState): GatewaySummary {
  const t = gateway.transport;
  return {
    name: gateway.name,
    description: gateway.description,
    transport:
      t.type === 'stdio'
        ? { type: t.type, command: t.command, args: t.args, headerNames: [], envNames: Object.keys(t.env) }
        : { type: t.type, url: t.url, headerNames: Object.keys(t.headers), envNames: [] },
    status: gateway.status,
    statusReason: gateway.statusReason,
    tools: gateway.catalog.tools.length,
    resources: gateway.catalog.resources.length,
    prompts: gateway.catalog.prompts.length,
  };
}

export function gatewayDetails(gateway: GatewayState): GatewayDetails {
  return { ...gatewaySummary(gateway), catalog: gateway.catalog };
}
