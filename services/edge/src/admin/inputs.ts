import { ApiKeyExpiry, ApiKeyName, GatewayName, HeaderName, PersonaSpec } from '@persona-gateway/contracts';
import { z } from 'zod';

const HeaderValue = z.string().max(8_192).regex(/^[^\r\n\0]*$/, 'must not contain line breaks');

/** A gateway as an administrator submits it: header and env values in plain text (sealed on arrival). */
export const GatewayInput = z.object({
  name: GatewayName,
  description: z.string().max(2_000).optional(),
  transport: z.discriminatedUnion('type', [
    z.object({ type: z.literal('streamable-http'), url: z.url({ protocol: /^https?$/ }), headers: z.record(HeaderName, HeaderValue).default({}) }),
    z.object({ type: z.literal('sse'), url: z.url({ protocol: /^https?$/ }), headers: z.record(HeaderName, HeaderValue).default({}) }),
    z.object({
      type: z.literal('stdio'),
      command: z.string().min(1),
      args: z.array(z.string()).default([]),
      env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string().max(32_768)).default({}),
      cwd: z.string().optional(),
    }),
  ]),
});
export type GatewayInput = z.infer<typeof GatewayInput>;

/** A persona as the admin API takes it: exactly the registry's persona spec. */
export const PersonaInput = PersonaSpec;
export type PersonaInput = z.infer<typeof PersonaInput>;

export const EventsQuery = z.object({
  after: z.coerce.number().int().nonnegative().default(0),
  limit: z.coerce.number().int().min(1).max(10_000).default(100),
  type: z.string().optional(),
  stream: z.string().optional(),
});

export const ApiKeyInput = z.object({ name: ApiKeyName, expires: ApiKeyExpiry.default('90d') });

export const ClientConfigQuery = z.object({
  client: z.enum(['claude-desktop', 'cursor']).default('cursor'),
  mode: z.enum(['api-key', 'open']).default('api-key'),
});
