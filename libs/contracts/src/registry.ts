import { z } from 'zod';
import { defineEvent, defineRequest } from './contract.js';
import { GatewayName, GatewayTransport, HeaderName } from './gateway.js';
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

/** The asymmetric JWS algorithms a passthrough JWT may use: never `none`, never a shared secret (HS*). */
export const PASSTHROUGH_JWT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const;
export const PassthroughJwtAlgorithm = z.enum(PASSTHROUGH_JWT_ALGORITHMS);

/** A JSON Web Key Set given inline: public keys only (checked when the persona is saved). */
export const InlineJwks = z.object({ keys: z.array(z.looseObject({ kty: z.string().min(1) })).min(1).max(100) });

/**
 * Optional JWT validation before passthrough headers are forwarded: keys from a JWKS URL
 * or an inline JWKS (exactly one; the registry refuses anything else).
 */
export const PassthroughJwt = z.object({
  jwksUrl: z.url({ protocol: /^https?$/ }).optional(),
  jwks: InlineJwks.optional(),
  issuer: z.string().min(1).max(2_000).optional(),
  audience: z.string().min(1).max(2_000).optional(),
  /** The header carrying the token; absent: `authorization`, with the Bearer scheme. */
  header: HeaderName.optional(),
  /** Absent: every asymmetric algorithm (RS*, PS*, ES*, EdDSA). */
  algorithms: z.array(PassthroughJwtAlgorithm).min(1).optional(),
  clockToleranceSec: z.number().int().min(0).max(300).optional(),
});
export type PassthroughJwt = z.infer<typeof PassthroughJwt>;

/** A header the caller sends that the persona forwards to its (HTTP) downstream servers, maybe renamed. */
export const PassthroughHeader = z.object({ name: HeaderName, forwardAs: HeaderName.optional() });
export type PassthroughHeader = z.infer<typeof PassthroughHeader>;

/** Passthrough authentication: for callers that bring their own credentials for the downstream servers. */
export const PassthroughAuth = z.object({
  headers: z.array(PassthroughHeader).max(32).default([]),
  jwt: PassthroughJwt.optional(),
});
export type PassthroughAuth = z.infer<typeof PassthroughAuth>;

/**
 * How callers authenticate to a persona, besides `open`. Events written before a mode
 * existed lack it: absent means off.
 */
export const PersonaAuth = z.object({
  /** Machine-to-machine callers with API keys (service accounts, automation). */
  nonInteractive: z.boolean().default(false),
  /** Absent: off. */
  passthrough: PassthroughAuth.optional(),
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

/** A persona's desired state, as the admin API, `apply` and the registry all take it. */
export const PersonaSpec = z.object({
  slug: PersonaSlug,
  name: z.string().min(1).max(100),
  description: z.string().max(2_000).optional(),
  prefixMode: PrefixMode.default('always'),
  open: z.boolean().default(false),
  /**
   * `{ nonInteractive: true }` lets API keys in (service accounts, automation);
   * `{ passthrough: { headers, jwt? } }` forwards the caller's listed headers (see the README).
   */
  auth: PersonaAuth.default(DEFAULT_PERSONA_AUTH),
  tools: z.array(ToolRef).max(10_000).default([]),
  deploy: z.boolean().default(false),
});

export const SavePersonaV1 = defineRequest({
  subject: 'registry.personas.save.v1',
  request: PersonaSpec.extend({ actor: Actor }),
  response: z.object({
    persona: PersonaDetails,
    changed: z.boolean(),
    /** Saved, but worth a look (forwarding Authorization, stdio gateways that get no headers). */
    warnings: z.array(z.string()).optional(),
    ...written,
  }),
});
export const ListPersonasV1 = defineRequest({ subject: 'registry.personas.list.v1', request: z.object({}), response: z.object({ personas: z.array(PersonaDetails) }) });
export const GetPersonaV1 = defineRequest({ subject: 'registry.personas.get.v1', request: z.object({ slug: PersonaSlug }), response: PersonaDetails });
export const DeployPersonaV1 = defineRequest({ subject: 'registry.personas.deploy.v1', request: z.object({ slug: PersonaSlug, actor: Actor }), response: z.object({ persona: PersonaDetails, ...written }) });
export const DeletePersonaV1 = defineRequest({ subject: 'registry.personas.delete.v1', request: z.object({ slug: PersonaSlug, actor: Actor }), response: z.object(written) });

/** A call found its gateway unreachable: the registry re-checks its health soon. */
export const GatewayUnreachableV1 = defineEvent({ subject: 'registry.gateway-unreachable.v1', payload: z.object({ gateway: GatewayName }) });
