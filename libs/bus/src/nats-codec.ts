import { headers as natsHeaders, type Msg, type MsgHdrs } from '@nats-io/transport-node';
import { GatewayError, isErrorCode } from '@persona-gateway/contracts';
import type { MessageHeaders } from './bus.js';
import { ERROR_CODE_HEADER } from './headers.js';

export function toNatsHeaders(headers: Readonly<MessageHeaders>): MsgHdrs {
  const result = natsHeaders();
  for (const [key, value] of Object.entries(headers)) result.set(key, value);
  return result;
}

/** No header block at all when there is nothing to carry (untraced, no caller headers): less to encode and parse on every hop. */
export function wireHeaders(headers: Readonly<MessageHeaders>): MsgHdrs | undefined {
  return Object.keys(headers).length > 0 ? toNatsHeaders(headers) : undefined;
}

export function fromNatsHeaders(headers: MsgHdrs | undefined): MessageHeaders {
  const result: MessageHeaders = {};
  if (!headers) return result;
  for (const key of headers.keys()) result[key.toLowerCase()] = headers.get(key);
  return result;
}

interface ReplyPacket {
  id?: string;
  response?: unknown;
  err?: { code?: string; message?: string };
  isDisposed?: boolean;
}

/** The answering side: Nest's reply packet; a failed request's code goes into a header, the payload carries only the message. */
export class CodedReplySerializer {
  serialize(packet: ReplyPacket): { data: string; headers?: MsgHdrs } {
    if (!packet.err) return { data: JSON.stringify(packet) };
    const code = isErrorCode(packet.err.code) ? packet.err.code : 'INTERNAL';
    const message = code === 'INTERNAL' && !isErrorCode(packet.err.code) ? 'Internal error' : (packet.err.message ?? code);
    return {
      data: JSON.stringify({ id: packet.id, err: { message }, isDisposed: true }),
      headers: toNatsHeaders({ [ERROR_CODE_HEADER]: code }),
    };
  }
}

/** A reply to a request sent with the connection's own `request`: the response, or the coded error it carries. */
export function decodeReply(message: Msg): unknown {
  const packet = message.json<ReplyPacket>();
  const code = message.headers?.get(ERROR_CODE_HEADER);
  if (code) throw new GatewayError(isErrorCode(code) ? code : 'INTERNAL', packet.err?.message ?? code);
  if (packet.err) throw new GatewayError('INTERNAL', 'Internal error');
  return packet.response;
}
