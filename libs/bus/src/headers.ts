/** Header names used on the bus. Lower-case: NATS headers are case-sensitive on the wire. */
export const ERROR_CODE_HEADER = 'pgw-error-code';
export const TRACEPARENT_HEADER = 'traceparent';
export const TRACESTATE_HEADER = 'tracestate';
