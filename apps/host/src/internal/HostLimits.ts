/** @internal The limits a host enforces, after defaults. */
export type HostLimits = {
  maxMessageBytes: number
  promptsPerMinute: number
  maxQueuedPrompts: number
  maxSessions: number
  idleSessionTtlMs: number
  defaultMaxTokens: number
  maxClockSkewMs: number
  maxBufferedBytes: number
}
