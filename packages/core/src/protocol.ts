/**
 * `@pandora/core/protocol`: what a client needs of the contract at run time, without classic zod —
 * errors, mailbox names, bodies, route paths, the WebSocket constants, and `zod/mini` schemas of
 * every reply and frame a client reads. The SDK imports this entry, so a browser bundle of it
 * carries a few kilobytes of zod; the types are the root entry's.
 * @packageDocumentation
 */
export { emptyFields, type Fields, type FieldsInput } from './body.js'
export { type ErrorCode, ErrorCodes, isErrorCode, PandoraError } from './errors.js'
export { LEASE_EXPIRED_REASON, REASON_MAX_BYTES, truncateReason } from './failure-reason.js'
export { FANOUT_MAX_RECIPIENTS, FETCH_MAX_BATCH, PRIORITY_MAX, PRIORITY_MIN } from './limits.js'
export { isValidMailbox, MAILBOX_MAX_LENGTH } from './mailbox.js'
export {
  clientFrameMini,
  countResponseMini,
  fanOutResponseMini,
  fetchResponseMini,
  headersResponseMini,
  leasedMessageMini,
  mailboxesResponseMini,
  mailboxStatsMini,
  messageHeaderMini,
  okResponseMini,
  outgoingRequestMini,
  policyResponseMini,
  problemReplyMini,
  renewResponseMini,
  retryPolicyMini,
  sendBatchResponseMini,
  sendRequestMini,
  sendResponseMini,
  serverFrameMini,
  storedMessageMini,
  watchEventMini,
} from './wire/mini.js'
export { type JsonRouteId, ROUTE_PATHS, routePath } from './wire/route-paths.js'
export {
  WATCH_EVENT_KINDS,
  WATCH_MAX_MIDS,
  type WatchEventKind,
  WS_CLOSE,
  WS_FEATURES,
  WS_MAX_ACKS,
  WS_MAX_CLIENT_FRAME_BYTES,
  WS_MAX_SENDS,
  WS_MAX_SUBSCRIPTIONS,
  WS_PROTOCOL,
} from './wire/ws-limits.js'
