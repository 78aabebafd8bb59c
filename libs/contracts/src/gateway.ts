import { z } from 'zod';

/**
 * A gateway's name becomes the prefix of its tools (`Jira_createIssue`), so it may not
 * contain '_' (the separator) and must leave room for tool names within 64 characters.
 */
export const GatewayName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9-]{0,31}$/, 'must start with a letter and contain only letters, digits and "-", at most 32 characters');
export type GatewayName = z.infer<typeof GatewayName>;

/** A secret sealed with the deployment's ENCRYPTION_KEY (see libs/secrets); opaque everywhere else. */
export const SealedSecret = z.string().regex(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+$/, 'must be a sealed secret');
export type SealedSecret = z.infer<typeof SealedSecret>;

export const HeaderName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'must be a valid HTTP header name');

/** How to reach a downstream MCP server. Header and environment values are sealed. */
export const GatewayTransport = z.discriminatedUnion('type', [
  z.object({ type: z.literal('streamable-http'), url: z.url({ protocol: /^https?$/ }), headers: z.record(HeaderName, SealedSecret).default({}) }),
  z.object({ type: z.literal('sse'), url: z.url({ protocol: /^https?$/ }), headers: z.record(HeaderName, SealedSecret).default({}) }),
  z.object({
    type: z.literal('stdio'),
    command: z.string().min(1),
    args: z.array(z.string()).default([]),
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), SealedSecret).default({}),
    cwd: z.string().optional(),
  }),
]);
export type GatewayTransport = z.infer<typeof GatewayTransport>;
