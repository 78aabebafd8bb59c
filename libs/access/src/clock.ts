/** Time as the expiry checks see it: injectable, so tests can move past an expiry. */
export interface Clock {
  now(): number;
}

export const SYSTEM_CLOCK: Clock = Object.freeze({ now: () => Date.now() });
