import { z } from 'zod';

/**
 * MCP objects as the gateway carries them: the fields it relies on are checked, every
 * other field a downstream server sends passes through untouched.
 */
export const McpTool = z.looseObject({
  name: z.string().min(1),
  title: z.string().optional(),
  description: z.string().optional(),
  inputSchema: z.looseObject({ type: z.string().optional() }),
  outputSchema: z.looseObject({}).optional(),
  annotations: z.looseObject({}).optional(),
});
export type McpTool = z.infer<typeof McpTool>;

export const McpResource = z.looseObject({ uri: z.string().min(1), name: z.string() });
export type McpResource = z.infer<typeof McpResource>;

export const McpResourceTemplate = z.looseObject({ uriTemplate: z.string().min(1), name: z.string() });
export type McpResourceTemplate = z.infer<typeof McpResourceTemplate>;

export const McpPrompt = z.looseObject({ name: z.string().min(1) });
export type McpPrompt = z.infer<typeof McpPrompt>;

/** What a downstream server offers, as discovered through the session service. */
export const Catalog = z.object({
  tools: z.array(McpTool),
  resources: z.array(McpResource),
  resourceTemplates: z.array(McpResourceTemplate),
  prompts: z.array(McpPrompt),
  serverInfo: z.looseObject({ name: z.string(), version: z.string() }).optional(),
  instructions: z.string().optional(),
});
export type Catalog = z.infer<typeof Catalog>;

/** A tools/call result, passed through as the downstream server produced it. */
export const CallToolResult = z.looseObject({
  content: z.array(z.looseObject({ type: z.string() })).optional(),
  structuredContent: z.record(z.string(), z.unknown()).optional(),
  isError: z.boolean().optional(),
});
export type CallToolResult = z.infer<typeof CallToolResult>;

/** Any other MCP result (resources/read, prompts/get, completion/complete), passed through. */
export const McpResult = z.looseObject({});
export type McpResult = z.infer<typeof McpResult>;
