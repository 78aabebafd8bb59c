import type { Principal } from '@persona-gateway/contracts';

/** What a call event records: who called what through which persona, how it went. Never argument values. */
export interface CallRecord {
  readonly persona: string;
  /** The name the client used (prefixed). */
  readonly tool: string;
  readonly gateway?: string;
  readonly downstreamTool?: string;
  /** `label` only for passthrough callers: the JWT subject, or "anonymous passthrough". */
  readonly principal: Pick<Principal, 'id' | 'kind' | 'label'>;
  readonly callId: string;
  /** When the router took the call (ISO 8601): the event's recorded time is when it was shipped, later. */
  readonly startedAt: string;
  readonly durationMs: number;
  /** 'ok', 'tool-error' (a result with isError), or the error code that failed the call. */
  readonly outcome: string;
}

export const CALL_STREAM_PREFIX = 'calls-';
export const CALL_EVENT_TYPES = ['ToolCallCompleted', 'ToolCallFailed'] as const;

export function callEventType(outcome: string): (typeof CALL_EVENT_TYPES)[number] {
  return outcome === 'ok' || outcome === 'tool-error' ? 'ToolCallCompleted' : 'ToolCallFailed';
}

let minuteStart = Number.NaN;
let minutePrefix = '';

/**
 * `new Date(ms).toISOString()` for an integer epoch time, without a Date per call (the
 * router stamps every call, and toISOString costs microseconds): the part up to the
 * minute is formatted once a minute.
 */
export function isoTime(ms: number): string {
  const withinMinute = ms % 60_000;
  const minute = ms - withinMinute;
  if (minute !== minuteStart) {
    minuteStart = minute;
    minutePrefix = new Date(minute).toISOString().slice(0, 17); // YYYY-MM-DDTHH:MM:
  }
  const seconds = Math.floor(withinMinute / 1000);
  const millis = withinMinute % 1000;
  return `${minutePrefix}${seconds < 10 ? '0' : ''}${seconds}.${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
}
