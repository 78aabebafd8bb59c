import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';
import { NatsResponseJSONDeserializer } from '@nestjs/microservices';
import { GatewayError, isErrorCode } from '@persona-gateway/contracts';
import type { MessageHeaders } from './bus.js';
import { ERROR_CODE_HEADER } from './headers.js';

export function toNatsHeaders(headers: Readonly<MessageHeaders>): MsgHdrs {
  const result = natsHeaders();
  for (const [key, value] of Object.entries(headers)) result.set(key, value);
  return result;
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

/** Server side: a failed request's code goes into a header; the payload carries only the message. */
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

/** Client side: a reply with an error-code header becomes a `GatewayError`. */
export class CodedReplyDeserializer extends NatsResponseJSONDeserializer {
  override deserialize(message: { headers?: MsgHdrs; json(): unknown }, options?: Record<string, unknown>): any {
    const packet = super.deserialize(message as never, options) as ReplyPacket;
    const code = message.headers?.get(ERROR_CODE_HEADER);
    if (!code) return packet;
    const error = new GatewayError(isErrorCode(code) ? code : 'INTERNAL', packet.err?.message ?? code);
    return { id: packet.id, err: error, isDisposed: true };
  }
}
