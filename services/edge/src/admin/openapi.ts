import { ApiKeySummary, GatewayDetails, GatewaySummary, PersonaDetails, RecordedEvent } from '@persona-gateway/contracts';
import { z } from 'zod';
import { ApiKeyInput, GatewayInput, PersonaInput } from './inputs.js';

const schema = (type: z.ZodType, io: 'input' | 'output' = 'output') => z.toJSONSchema(type, { io, unrepresentable: 'any' });

const problem = {
  type: 'object',
  properties: { type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, code: { type: 'string' }, detail: { type: 'string' } },
  required: ['status', 'code', 'detail'],
};

const json = (ref: string) => ({ content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } } });
const errors = {
  '400': { description: 'Invalid request', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } },
  '401': { description: 'Invalid or expired token', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } },
  '404': { description: 'Not found', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } },
};
const ok = (ref: string, description = 'OK') => ({ '200': { description, ...json(ref) }, ...errors });

/** The admin API, described from the same zod schemas that validate it. */
export function openApiDocument(publicUrl: string) {
  return {
    openapi: '3.1.0',
    info: { title: 'persona-gateway admin API', version: '1' },
    servers: [{ url: `${publicUrl}/api/v1` }],
    security: [{ bearer: [] }],
    paths: {
      '/gateways': {
        get: { summary: 'List gateways', responses: ok('GatewayList') },
        post: { summary: 'Register (or re-register) a gateway; discovers its catalog', requestBody: json('GatewayInput'), responses: ok('GatewayDetails') },
      },
      '/gateways/{name}': {
        parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
        get: { summary: 'A gateway with its catalog', responses: ok('GatewayDetails') },
        delete: { summary: 'Remove a gateway no persona uses', responses: { '204': { description: 'Removed' }, ...errors } },
      },
      '/gateways/{name}/refresh': {
        parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
        post: { summary: 'Rediscover the catalog now', responses: ok('GatewayDetails') },
      },
      '/personas': {
        get: { summary: 'List personas', responses: ok('PersonaList') },
        post: { summary: 'Create or update a persona (idempotent)', requestBody: json('PersonaInput'), responses: ok('PersonaDetails') },
      },
      '/personas/{slug}': {
        parameters: [{ name: 'slug', in: 'path', required: true, schema: { type: 'string' } }],
        get: { summary: 'A persona', responses: ok('PersonaDetails') },
        put: { summary: 'Update a persona', requestBody: json('PersonaInput'), responses: ok('PersonaDetails') },
        delete: { summary: 'Delete a persona', responses: { '204': { description: 'Deleted' }, ...errors } },
      },
      '/personas/{slug}/deploy': {
        parameters: [{ name: 'slug', in: 'path', required: true, schema: { type: 'string' } }],
        post: { summary: 'Deploy: the endpoint starts serving the persona', responses: ok('PersonaDetails') },
      },
      '/personas/{slug}/keys': {
        parameters: [{ name: 'slug', in: 'path', required: true, schema: { type: 'string' } }],
        get: { summary: "The persona's API keys (never the keys themselves)", responses: ok('ApiKeyList') },
        post: { summary: 'Issue an API key; the response is the only place the key is ever shown', requestBody: json('ApiKeyInput'), responses: ok('ApiKeyCreated') },
      },
      '/keys': { get: { summary: 'Every API key', responses: ok('ApiKeyList') } },
      '/keys/{id}': {
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        delete: { summary: 'Revoke an API key: every edge replica refuses it from then on', responses: ok('ApiKeySummary') },
      },
      '/personas/{slug}/client-config': {
        parameters: [
          { name: 'slug', in: 'path', required: true, schema: { type: 'string' } },
          { name: 'client', in: 'query', required: false, schema: { type: 'string', enum: ['claude-desktop', 'cursor'] } },
          { name: 'mode', in: 'query', required: false, schema: { type: 'string', enum: ['api-key', 'open'] } },
        ],
        get: { summary: 'Ready-to-paste MCP client configuration (with an "<api key>" placeholder)', responses: { '200': { description: 'OK' }, ...errors } },
      },
      '/sessions': { get: { summary: 'Live downstream sessions (of one session replica)', responses: { '200': { description: 'OK' }, ...errors } } },
      '/events': {
        get: {
          summary: 'The event history (audit)',
          parameters: ['after', 'limit', 'type', 'stream'].map((name) => ({ name, in: 'query', required: false, schema: { type: name === 'after' || name === 'limit' ? 'integer' : 'string' } })),
          responses: ok('EventPage'),
        },
      },
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'The admin token (DATA_DIR/admin-token in embedded mode); persona endpoints take API keys instead' } },
      schemas: {
        GatewayInput: schema(GatewayInput, 'input'),
        GatewayDetails: schema(GatewayDetails),
        GatewayList: schema(z.object({ gateways: z.array(GatewaySummary) })),
        PersonaInput: schema(PersonaInput, 'input'),
        PersonaDetails: schema(PersonaDetails.extend({ endpoint: z.string() })),
        PersonaList: schema(z.object({ personas: z.array(PersonaDetails) })),
        EventPage: schema(z.object({ events: z.array(RecordedEvent), next: z.number().optional() })),
        ApiKeyInput: schema(ApiKeyInput, 'input'),
        ApiKeySummary: schema(ApiKeySummary),
        ApiKeyList: schema(z.object({ keys: z.array(ApiKeySummary) })),
        ApiKeyCreated: schema(ApiKeySummary.extend({ key: z.string(), endpoint: z.string(), clientConfig: z.record(z.string(), z.unknown()) })),
        Problem: problem,
      },
    },
  };
}
