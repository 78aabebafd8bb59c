import { z } from 'zod';
import { defineEvent, defineRequest } from './contract.js';
import { GatewayName, GatewayTransport } from './gateway.js';
import { Catalog } from './mcp.js';

// ---------------------------------------------------------------------------
// Events of the registry's streams: `gateway-<name>` and `persona-<slug>`.
// ---------------------------------------------------------------------------

export const GATEWAY_STREAM_PREFIX = 'gateway-';
export const PERSONA_STREAM_PREFIX = 'persona-';

export const PersonaSlug = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/, 'must be lower-case letters, digits and "-", 1 to 64 characters, not starting or ending with "-"');
export type PersonaSlug = z.infer<typeof PersonaSlug>;

export const PrefixMode = z.enum(['always', 'never']);
export type PrefixMode = z.infer<typeof PrefixMode>;

/**
 * How callers authenticate to a persona, besides `open`. Events written before a mode
 * existed lack it: absent means off.
 */
export const PersonaAuth = z.object({
  /** Machine-to-machine callers with API keys (service accounts, automation). */
  nonInteractive: z.boolean().default(false),
});
export type PersonaAuth = z.infer<typeof PersonaAuth>;
export const DEFAULT_PERSONA_AUTH: PersonaAuth = Object.freeze({ nonInteractive: false });

export const ToolRef = z.object({ gateway: GatewayName, tool: z.string().min(1) });
export type ToolRef = z.infer<typeof ToolRef>;

export const CatalogDiff = z.object({ added: z.array(z.string()), removed: z.array(z.string()), changed: z.array(z.string()) });
export type CatalogDiff = z.infer<typeof CatalogDiff>;

export const RegistryEvents = {
  GatewayRegistered: z.object({ name: GatewayName, description: z.string().optional(), transport: GatewayTransport }),
  GatewayTransportChanged: z.object({ description: z.string().optional(), transport: GatewayTransport }),
  /** The full catalog after the change, and what changed in its tools (by downstream name). */
  GatewayCatalogChanged: z.object({ catalog: Catalog, tools: CatalogDiff, reason: z.enum(['registration', 'refresh', 'list-changed', 'poll']) }),
  GatewayHealthChanged: z.object({ status: z.enum(['available', 'unavailable']), reason: z.string().optional() }),
  GatewayRemoved: z.object({}),
  PersonaCreated: z.object({
    slug: PersonaSlug,
    name: z.string().min(1).max(100),
    description: z.string().max(2_000).optional(),
    prefixMode: PrefixMode,
    open: z.boolean(),
    auth: PersonaAuth.optional(),
  }),
  PersonaChanged: z.object({
    name: z.string().min(1).max(100),
    description: z.string().max(2_000).optional(),
    prefixMode: PrefixMode,
    open: z.boolean(),
    auth: PersonaAuth.optional(),
  }),
  PersonaToolsSelected: z.object({ tools: z.array(ToolRef) }),
  PersonaDeployed: z.object({}),
  PersonaDeleted: z.object({}),
} as const;

export type RegistryEventType = keyof typeof RegistryEvents;
export type RegistryEventData<T extends RegistryEventType> = z.infer<(typeof RegistryEvents)[T]>;
export const REGISTRY_EVENT_TYPES = Object.keys(RegistryEvents) as RegistryEventType[];

// ---------------------------------------------------------------------------
// Admin requests, answered by the registry (queue group `registry`).
// ---------------------------------------------------------------------------

export const Actor = z.string().min(1);

export const GatewaySummary = z.object({
  name: GatewayName,
  description: z.string().optional(),
  transport: z.object({ type: z.enum(['streamable-http', 'sse', 'stdio']), url: z.string().optional(), command: z.string().optional(), args: z.array(z.string()).optional(), headerNames: z.array(z.string()), envNames: z.array(z.string()) }),
  status: z.enum(['available', 'unavailable', 'unknown']),
  statusReason: z.string().optional(),
  tools: z.number().int(),
  resources: z.number().int(),
  prompts: z.number().int(),
});
export type GatewaySummary = z.infer<typeof GatewaySummary>;

export const GatewayDetails = GatewaySummary.extend({ catalog: Catalog });
export type GatewayDetails = z.infer<typeof GatewayDetails>;

export const PersonaDetails = z.object({
  slug: PersonaSlug,
  name: z.string(),
  description: z.string().optional(),
  prefixMode: PrefixMode,
  open: z.boolean(),
  auth: PersonaAuth,
  deployed: z.boolean(),
  selected: z.array(ToolRef),
  /** Selected tools as the endpoint exposes them. */
  exposed: z.array(z.object({ name: z.string(), gateway: GatewayName, tool: z.string() })),
  /** Selected tools their gateway no longer offers: reported, never silently dropped. */
  missing: z.array(ToolRef),
  version: z.number().int(),
});
export type PersonaDetails = z.infer<typeof PersonaDetails>;

/** Every change request answers with the event position it wrote, so readers can wait for it. */
const written = { position: z.number().int().nonnegative() };

export const RegisterGatewayV1 = defineRequest({
  subject: 'registry.gateways.register.v1',
  request: z.object({ name: GatewayName, description: z.string().max(2_000).optional(), transport: GatewayTransport, actor: Actor }),
  response: z.object({ gateway: GatewayDetails, changed: z.boolean(), ...written }),
});
export const ListGatewaysV1 = defineRequest({ subject: 'registry.gateways.list.v1', request: z.object({}), response: z.object({ gateways: z.array(GatewaySummary) }) });
export const GetGatewayV1 = defineRequest({ subject: 'registry.gateways.get.v1', request: z.object({ name: GatewayName }), response: GatewayDetails });
export const RefreshGatewayV1 = defineRequest({
  subject: 'registry.gateways.refresh.v1',
  request: z.object({ name: GatewayName, actor: Actor }),
  response: z.object({ gateway: GatewayDetails, ...written }),
});
export const RemoveGatewayV1 = defineRequest({ subject: 'registry.gateways.remove.v1', request: z.object({ name: GatewayName, actor: Actor }), response: z.object(written) });

export const SavePersonaV1 = defineRequest({
  subject: 'registry.personas.save.v1',
  request: z.object({
    slug: PersonaSlug,
    name: z.string().min(1).max(100),
    description: z.string().max(2_000).optional(),
    prefixMode: PrefixMode.default('always'),
    open: z.boolean().default(false),
    auth: PersonaAuth.default(DEFAULT_PERSONA_AUTH),
    tools: z.array(ToolRef).max(10_000),
    deploy: z.boolean().default(false),
    actor: Actor,
  }),
  response: z.object({ persona: PersonaDetails, changed: z.boolean(), ...written }),
});
export const ListPersonasV1 = defineRequest({ subject: 'registry.personas.list.v1', request: z.object({}), response: z.object({ personas: z.array(PersonaDetails) }) });
export const GetPersonaV1 = defineRequest({ subject: 'registry.personas.get.v1', request: z.object({ slug: PersonaSlug }), response: PersonaDetails });
export const DeployPersonaV1 = defineRequest({ subject: 'registry.personas.deploy.v1', request: z.object({ slug: PersonaSlug, actor: Actor }), response: z.object({ persona: PersonaDetails, ...written }) });
export const DeletePersonaV1 = defineRequest({ subject: 'registry.personas.delete.v1', request: z.object({ slug: PersonaSlug, actor: Actor }), response: z.object(written) });

/** A call found its gateway unreachable: the registry re-checks its health soon. */
export const GatewayUnreachableV1 = defineEvent({ subject: 'registry.gateway-unreachable.v1', payload: z.object({ gateway: GatewayName }) });
