import {
  DEFAULT_PERSONA_AUTH,
  GATEWAY_STREAM_PREFIX,
  PERSONA_STREAM_PREFIX,
  REGISTRY_EVENT_TYPES,
  type RecordedEvent,
  type RegistryEventData,
  type RegistryEventType,
} from '@persona-gateway/contracts';
import { EMPTY_CATALOG, type GatewayState, type PersonaState } from './state.js';

/**
 * Gateways and personas as the registry's events describe them: the raw state every
 * other read model (persona views, admin details) is computed from.
 */
export class RegistryState {
  readonly gateways = new Map<string, GatewayState>();
  readonly personas = new Map<string, PersonaState>();

  /** Applies one registry event; returns what it touched, so dependants can recompute. */
  apply(event: RecordedEvent): { gateway?: string; persona?: string } {
    const type = event.type as RegistryEventType;
    if (event.streamId.startsWith(GATEWAY_STREAM_PREFIX)) {
      const name = event.streamId.slice(GATEWAY_STREAM_PREFIX.length);
      this.applyGateway(name, type, event.data, event.version);
      return { gateway: name };
    }
    if (event.streamId.startsWith(PERSONA_STREAM_PREFIX)) {
      const slug = event.streamId.slice(PERSONA_STREAM_PREFIX.length);
      this.applyPersona(slug, type, event.data, event.version);
      return { persona: slug };
    }
    return {};
  }

  private applyGateway(name: string, type: RegistryEventType, data: unknown, version: number): void {
    const current = this.gateways.get(name);
    switch (type) {
      case 'GatewayRegistered': {
        const d = data as RegistryEventData<'GatewayRegistered'>;
        this.gateways.set(name, { name, description: d.description, transport: d.transport, catalog: EMPTY_CATALOG, status: 'unknown', statusReason: undefined, version });
        return;
      }
      case 'GatewayRemoved':
        this.gateways.delete(name);
        return;
    }
    if (!current) return;
    current.version = version;
    switch (type) {
      case 'GatewayTransportChanged': {
        const d = data as RegistryEventData<'GatewayTransportChanged'>;
        current.transport = d.transport;
        current.description = d.description;
        return;
      }
      case 'GatewayCatalogChanged':
        current.catalog = (data as RegistryEventData<'GatewayCatalogChanged'>).catalog;
        return;
      case 'GatewayHealthChanged': {
        const d = data as RegistryEventData<'GatewayHealthChanged'>;
        current.status = d.status;
        current.statusReason = d.reason;
        return;
      }
    }
  }

  private applyPersona(slug: string, type: RegistryEventType, data: unknown, version: number): void {
    if (type === 'PersonaCreated') {
      const d = data as RegistryEventData<'PersonaCreated'>;
      this.personas.set(slug, { slug, name: d.name, description: d.description, prefixMode: d.prefixMode, open: d.open, auth: d.auth ?? DEFAULT_PERSONA_AUTH, deployed: false, selected: [], version });
      return;
    }
    if (type === 'PersonaDeleted') {
      this.personas.delete(slug);
      return;
    }
    const persona = this.personas.get(slug);
    if (!persona) return;
    persona.version = version;
    switch (type) {
      case 'PersonaChanged': {
        const d = data as RegistryEventData<'PersonaChanged'>;
        Object.assign(persona, { name: d.name, description: d.description, prefixMode: d.prefixMode, open: d.open, auth: d.auth ?? DEFAULT_PERSONA_AUTH });
        return;
      }
      case 'PersonaToolsSelected':
        persona.selected = (data as RegistryEventData<'PersonaToolsSelected'>).tools;
        return;
      case 'PersonaDeployed':
        persona.deployed = true;
        return;
    }
  }
}

export const REGISTRY_EVENTS: readonly string[] = REGISTRY_EVENT_TYPES;
