export type ExpectedVersion = number | 'any' | 'no_stream' | 'stream_exists';

/** Another writer appended to the stream first. Retry by re-reading the stream, never blindly. */
export class ExpectedVersionConflictError extends Error {
  readonly code = 'CONFLICT' as const;
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedVersion,
    readonly actual: number,
  ) {
    super(`Expected version ${String(expected)} of stream ${streamId}, found ${actual}`);
    this.name = 'ExpectedVersionConflictError';
  }
}
