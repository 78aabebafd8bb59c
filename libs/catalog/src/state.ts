import type { Catalog, GatewayTransport, PersonaAuth, PrefixMode, ToolRef } from '@persona-gateway/contracts';

export interface GatewayState {
  readonly name: string;
  description: string | undefined;
  transport: GatewayTransport;
  catalog: Catalog;
  status: 'available' | 'unavailable' | 'unknown';
  statusReason: string | undefined;
  version: number;
}

export interface PersonaState {
  readonly slug: string;
  name: string;
  description: string | undefined;
  prefixMode: PrefixMode;
  open: boolean;
  auth: PersonaAuth;
  deployed: boolean;
  selected: ToolRef[];
  version: number;
}

export const EMPTY_CATALOG: Catalog = Object.freeze({ tools: [], resources: [], resourceTemplates: [], prompts: [] }) as Catalog;
