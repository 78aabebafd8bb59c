/**
 * A downstream's answer that cannot be used as a result (the direct tools/call path's
 * counterpart of the SDK's ZodError): DOWNSTREAM_ERROR, and the session stays in service.
 * The message is for the log; callers see only which gateway.
 */
export class MalformedResult extends Error {}

/** An answer past the size the gateway reads (direct-call.ts): DOWNSTREAM_ERROR, the session stays. */
export class ResultTooLarge extends Error {}
