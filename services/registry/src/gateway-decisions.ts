import type { GatewayState } from '@persona-gateway/catalog';
import type { Catalog, GatewayTransport, RegistryEventData } from '@persona-gateway/contracts';
import { diffTools, sameCatalog } from './catalog-diff.js';
import type { NewEventOf } from './types.js';

/** `unknown`: the question could not be asked (no session service answered); nothing is decided. */
export type Discovery = { ok: true; catalog: Catalog } | { ok: false; reason: string } | { ok: 'unknown' };

/** Events for what a discovery found: a catalog change (with its diff) and a health change. */
export function decideDiscovery(
  current: Pick<GatewayState, 'catalog' | 'status' | 'statusReason'> | undefined,
  discovery: Discovery,
  reason: RegistryEventData<'GatewayCatalogChanged'>['reason'],
): NewEventOf[] {
  const events: NewEventOf[] = [];
  if (discovery.ok === 'unknown') return events;
  if (discovery.ok) {
    const before = current?.catalog ?? { tools: [], resources: [], resourceTemplates: [], prompts: [] };
    if (!current || !sameCatalog(before, discovery.catalog)) {
      events.push({ type: 'GatewayCatalogChanged', data: { catalog: discovery.catalog, tools: diffTools(before, discovery.catalog), reason } });
    }
    if (current?.status !== 'available') events.push({ type: 'GatewayHealthChanged', data: { status: 'available' } });
  } else if (current?.status !== 'unavailable' || current.statusReason !== discovery.reason) {
    events.push({ type: 'GatewayHealthChanged', data: { status: 'unavailable', reason: discovery.reason } });
  }
  return events;
}

/** Registration or re-registration; `sameTransport` compares secrets by their opened values. */
export function decideRegister(
  current: GatewayState | undefined,
  desired: { name: string; description?: string; transport: GatewayTransport },
  sameTransport: boolean,
): NewEventOf[] {
  if (!current) return [{ type: 'GatewayRegistered', data: { name: desired.name, description: desired.description, transport: desired.transport } }];
  if (sameTransport && current.description === desired.description) return [];
  return [{ type: 'GatewayTransportChanged', data: { description: desired.description, transport: desired.transport } }];
}
