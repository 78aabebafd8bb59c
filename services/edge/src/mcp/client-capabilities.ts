import type { ClientCapabilities } from '@persona-gateway/contracts';
import { isRecord } from './json-rpc.js';

/** Each capability object is sealed into the session id: an oversized one is cut to `{}`. */
const MAX_CAPABILITY_JSON = 512;
const CARRIED = ['sampling', 'elicitation'] as const;

/**
 * The capabilities from a client's `initialize` that matter to the gateway: whether a
 * downstream's sampling or elicitation request can be put to it. Everything else is dropped.
 */
export function carriedCapabilities(params: Record<string, unknown>): ClientCapabilities {
  const declared = isRecord(params.capabilities) ? params.capabilities : {};
  const carried: Record<string, Record<string, unknown>> = {};
  for (const name of CARRIED) {
    const value = declared[name];
    if (!isRecord(value)) continue;
    carried[name] = JSON.stringify(value).length <= MAX_CAPABILITY_JSON ? value : {};
  }
  return carried;
}

/** Whether a tools/call must be answered on a stream so the downstream can ask the client something. */
export function takesServerRequests(capabilities: ClientCapabilities | undefined): boolean {
  return capabilities?.sampling !== undefined || capabilities?.elicitation !== undefined;
}
