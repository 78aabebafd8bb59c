import type { SseSink } from './sse.js';

export type HttpHeaders = Readonly<Record<string, string | string[] | undefined>>;

/** An HTTP request to a persona endpoint, as the transport glue hands it over. */
export interface McpHttpRequest {
  readonly method: string;
  readonly slug: string;
  /** Lower-case names, as Node presents them. */
  readonly headers: HttpHeaders;
  /** The raw body text (POST); parsed here so that malformed JSON gets a JSON-RPC error. */
  readonly body: string | undefined;
}

/** What to answer: the glue writes it to the HTTP response. */
export type McpHttpReply =
  /** The body as text, or as bytes already encoded, in pieces sent one after another (see `resultMessageBytes`). */
  | { readonly kind: 'json'; readonly status: number; readonly headers: Record<string, string>; readonly body: string | readonly Uint8Array[] }
  | { readonly kind: 'empty'; readonly status: number; readonly headers: Record<string, string> }
  /** 200 with text/event-stream; `connect` is called once the head is written. */
  | { readonly kind: 'stream'; readonly headers: Record<string, string>; readonly connect: (sink: SseSink) => void };

export const jsonReply = (status: number, body: string | readonly Uint8Array[], headers: Record<string, string> = {}): McpHttpReply => ({
  kind: 'json',
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body,
});

export const emptyReply = (status: number, headers: Record<string, string> = {}): McpHttpReply => ({ kind: 'empty', status, headers });

export const streamReply = (connect: (sink: SseSink) => void): McpHttpReply => ({ kind: 'stream', headers: {}, connect });

/** A header's value; of a repeated header, the first (Node joins most repeats with ", " anyway). */
export function header(headers: HttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Whether an Accept header allows `type` (exact, `type/*` or `*\/*`, and not with q=0). */
export function accepts(accept: string | undefined, type: string): boolean {
  if (!accept) return false;
  const wildcard = `${type.slice(0, type.indexOf('/'))}/*`;
  for (const part of accept.split(',')) {
    const [range, ...parameters] = part.split(';').map((piece) => piece.trim().toLowerCase());
    if (range !== type && range !== wildcard && range !== '*/*') continue;
    const q = parameters.find((parameter) => parameter.startsWith('q='));
    if (q === undefined || Number(q.slice(2)) > 0) return true;
  }
  return false;
}

/** Content-Type is application/json, parameters (charset) allowed. */
export function isJsonContentType(contentType: string | undefined): boolean {
  return contentType !== undefined && contentType.split(';', 1)[0]!.trim().toLowerCase() === 'application/json';
}
