import type { z } from 'zod';

/** A request/response message: its subject and both schemas live in one object. */
export interface RequestContract<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType> {
  readonly kind: 'request';
  readonly subject: string;
  readonly request: Req;
  readonly response: Res;
}

/** A fire-and-forget message delivered to every subscriber (or one per queue group). */
export interface EventContract<Payload extends z.ZodType = z.ZodType> {
  readonly kind: 'event';
  readonly subject: string;
  readonly payload: Payload;
}

export type RequestOf<C extends RequestContract> = z.infer<C['request']>;
export type ResponseOf<C extends RequestContract> = z.infer<C['response']>;
export type PayloadOf<C extends EventContract> = z.infer<C['payload']>;

// NATS subject tokens: letters, digits, '-' and '_', separated by dots; versioned last.
const SUBJECT = /^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)*\.v[0-9]+$/;
// A pattern may also have `*` tokens (one token each, as in NATS), never the first or the version.
const PATTERN = /^[a-z][a-z0-9_-]*(\.([a-z0-9_-]+|\*))*\.v[0-9]+$/;

function checkSubject(subject: string): void {
  if (!SUBJECT.test(subject)) {
    throw new TypeError(`contract subject "${subject}" must be dot-separated lower-case tokens ending in a version (".v1")`);
  }
}

export function defineRequest<Req extends z.ZodType, Res extends z.ZodType>(spec: {
  subject: string;
  request: Req;
  response: Res;
}): RequestContract<Req, Res> {
  checkSubject(spec.subject);
  return Object.freeze({ kind: 'request', ...spec });
}

export function defineEvent<Payload extends z.ZodType>(spec: { subject: string; payload: Payload }): EventContract<Payload> {
  checkSubject(spec.subject);
  return Object.freeze({ kind: 'event', ...spec });
}

/**
 * Events of several subjects at once, for subscribing: `*` stands for one token
 * (`eventstore.committed.*.v1`). Publishing on a pattern is refused by the bus.
 */
export function defineEventPattern<Payload extends z.ZodType>(spec: { subject: string; payload: Payload }): EventContract<Payload> {
  if (!PATTERN.test(spec.subject) || !isPattern(spec.subject)) {
    throw new TypeError(`event pattern "${spec.subject}" must be dot-separated lower-case tokens, some of them "*", ending in a version (".v1")`);
  }
  return Object.freeze({ kind: 'event', ...spec });
}

/** Whether a subject has a wildcard token, so it names many subjects and can only be subscribed to. */
export function isPattern(subject: string): boolean {
  return subject.includes('*');
}
