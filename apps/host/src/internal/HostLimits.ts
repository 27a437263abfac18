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
  /** A socket that has not started a session this long after opening is closed. */
  firstMessageTimeoutMs: number
  /** Silence from the client after which the host pings. */
  pingIntervalMs: number
  /** Silence from the client (no message, no pong) after which the host cuts the socket. */
  pongTimeoutMs: number
}
