/** @internal This host's software version, reported by `/health` and `/v1/version`. */
export const hostVersion = '0.0.0'
