/** The server's version, reported by `/v1/info` and the OpenAPI document. */
export const VERSION = '0.1.0'
