import { GatewayError, type ErrorCode } from '@persona-gateway/contracts';
import { RpcError, rpcErrorFrom } from '../src/mcp/errors.js';
import { accepts } from '../src/mcp/http-exchange.js';
import { OriginPolicy } from '../src/mcp/origin-policy.js';
import { negotiateProtocolVersion } from '../src/mcp/protocol.js';

describe('the origin policy', () => {
  const policy = new OriginPolicy('https://gateway.example.com/base/', ['https://inspector.example.com', 'http://tools.example.com:8080']);

  it.each([
    [undefined, true],
    ['https://gateway.example.com', true],
    ['https://GATEWAY.example.com:443', true],
    ['https://inspector.example.com', true],
    ['http://tools.example.com:8080', true],
    ['http://localhost:6274', true],
    ['https://127.0.0.1', true],
    ['http://[::1]:3000', true],
    ['http://gateway.example.com', false],
    ['http://tools.example.com', false],
    ['https://evil.example', false],
    ['http://localhost.evil.example', false],
    ['file://localhost', false],
    ['null', false],
    ['', false],
    ['not a url', false],
  ])('%s -> %s', (origin, allowed) => {
    expect(policy.allows(origin)).toBe(allowed);
  });

  it('refuses a configured value that is not an origin, naming the variable', () => {
    expect(() => new OriginPolicy('https://gateway.example.com', ['inspector.example.com'])).toThrow(/ALLOWED_ORIGINS: "inspector.example.com"/);
  });
});

describe('gateway errors as JSON-RPC errors (the table in the README)', () => {
  const table: Array<[ErrorCode, number, string]> = [
    ['UNKNOWN_TOOL', -32602, 'Unknown tool: Jira_deleteEverything'],
    ['INVALID_ARGUMENT', -32602, 'the message'],
    ['INVALID_PAYLOAD', -32602, 'the message'],
    ['UNAVAILABLE', -32603, 'Downstream gateway endpoint not available: Jira'],
    ['DOWNSTREAM_ERROR', -32603, 'the message'],
    ['UNAUTHORIZED', -32603, 'OAuth connection failed: Jira'],
    ['TIMEOUT', -32603, 'Gateway busy or unavailable, try again'],
    ['NO_RESPONDERS', -32603, 'Gateway busy or unavailable, try again'],
    ['CANCELLED', -32800, 'Request cancelled'],
    ['NOT_FOUND', -32602, 'the message'],
    ['CONFLICT', -32603, 'Internal error'],
    ['INTERNAL', -32603, 'Internal error'],
  ];
  it.each(table)('%s -> %d', (code, rpcCode, message) => {
    const original = ['UNKNOWN_TOOL', 'UNAVAILABLE', 'UNAUTHORIZED'].includes(code) ? message : 'the message';
    expect({ ...rpcErrorFrom(new GatewayError(code, original)) }).toEqual({ code: rpcCode, name: 'RpcError' });
    expect(rpcErrorFrom(new GatewayError(code, original)).message).toBe(message);
  });

  it('answers an unknown resource with MCP\'s "Resource not found" code', () => {
    const error = rpcErrorFrom(new GatewayError('NOT_FOUND', 'Unknown resource: test://nope'));
    expect([error.code, error.message]).toEqual([-32002, 'Unknown resource: test://nope']);
  });

  it('hides anything else, whatever it says', () => {
    const error = rpcErrorFrom(new Error('connect ECONNREFUSED postgres://admin:hunter2@db'));
    expect([error.code, error.message]).toEqual([-32603, 'Internal error']);
    expect(rpcErrorFrom(new RpcError(-32601, 'Method not found')).code).toBe(-32601);
  });
});

describe('small protocol rules', () => {
  it('reads Accept as media ranges', () => {
    expect(accepts('application/json, text/event-stream', 'text/event-stream')).toBe(true);
    expect(accepts('text/*', 'text/event-stream')).toBe(true);
    expect(accepts('*/*;q=0.1', 'application/json')).toBe(true);
    expect(accepts('text/event-stream;q=0', 'text/event-stream')).toBe(false);
    expect(accepts('text/event-streams', 'text/event-stream')).toBe(false);
    expect(accepts(undefined, 'application/json')).toBe(false);
  });

  it('negotiates to the client\'s revision when supported, else the latest', () => {
    expect(negotiateProtocolVersion('2025-03-26')).toBe('2025-03-26');
    expect(negotiateProtocolVersion('2024-10-07')).toBe('2025-11-25');
  });
});
