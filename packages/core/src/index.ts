/**
 * `@pandora/core`: the mailbox model, errors, wire schemas and the store contract, plus the
 * in-memory store. Browser-safe: no Node built-ins. The SQLite and PostgreSQL stores live behind
 * `@pandora/core/sqlite` and `@pandora/core/postgres`.
 * @packageDocumentation
 */
export { AvailabilitySignal } from './availability.js'
export {
  byteLength,
  decodeFields,
  emptyFields,
  encodeFields,
  FIELD_NAME_MAX_LENGTH,
  type Fields,
  type FieldsInput,
  firstValue,
  normalizeFields,
} from './body.js'
export { type Clock, ManualClock, systemClock } from './clock.js'
export { formatGoDuration, parseGoDuration } from './duration.js'
export { type ErrorCode, ErrorCodes, isErrorCode, PandoraError, toPandoraError } from './errors.js'
export {
  checkReason,
  GIVEN_BACK_REASON,
  LEASE_EXPIRED_REASON,
  REASON_MAX_BYTES,
  truncateReason,
} from './failure-reason.js'
export { type FanOutInput, fanOutInputs, sendFanOut } from './fan-out.js'
export {
  contentKey,
  contentKeySync,
  fromHex,
  isKey,
  KEY_BYTES,
  KEY_HEX_LENGTH,
  newLeaseId,
  parseKey,
  toHex,
} from './key.js'
export {
  assertCount,
  assertDelay,
  assertLeaseTime,
  DEFAULT_MAX_DELIVERIES,
  DEFAULT_MAX_SIZE,
  DELAY_MAX_MS,
  FANOUT_MAX_RECIPIENTS,
  FETCH_MAX_BATCH,
  LEASE_DEFAULT_MS,
  LEASE_MAX_MS,
  LEASE_MIN_MS,
  PRIORITY_MAX,
  PRIORITY_MIN,
  SEND_MAX_BATCH,
} from './limits.js'
export { assertMailbox, isValidMailbox, MAILBOX_MAX_LENGTH } from './mailbox.js'
export {
  blobKeyOf,
  type LeasedMessage,
  type MessageHeader,
  type PreparedMessage,
  prepareEach,
  prepareMessage,
  RESERVED_FIELDS,
  type SendInput,
  type SendResult,
  type StoredMessage,
  storeEach,
} from './message.js'
export {
  BACKOFF_FACTOR_MAX,
  BACKOFF_FACTOR_MIN,
  type Backoff,
  backoffDelay,
  checkRetryPolicy,
  type ExponentialBackoff,
  type FixedBackoff,
  POLICY_MAX_DELIVERIES,
  type RetryPolicy,
  type RetryPolicyInput,
} from './retry-policy.js'
export { isActiveStatus, Status, type StatusCode, type StatusName, statusName } from './status.js'
export type {
  AckItem,
  AvailabilityListener,
  BlobStore,
  FetchOptions,
  HeadersOrder,
  HeadersQuery,
  MailboxStats,
  MailboxTotals,
  MessageStore,
  Store,
  StoreLimits,
  StoreOptions,
  WriteStats,
} from './store.js'
export {
  type AckOptions,
  checkAck,
  checkFetch,
  checkHeaders,
  checkMids,
  checkRenew,
  HEADERS_DEFAULT_LIMIT,
  HEADERS_MAX_LIMIT,
} from './store-input.js'
export { MemoryStore, type MemoryStoreOptions, openMemoryStore } from './stores/memory/index.js'
export { MAX_DELIVERIES_MAX, MAX_SIZE_MAX, MAX_SIZE_MIN } from './stores/store-rules.js'
export {
  backoffSchema,
  batchCountSchema,
  delaySchema,
  fieldsInputSchema,
  fieldsSchema,
  keySchema,
  leasedMessageSchema,
  leaseTimeSchema,
  mailboxSchema,
  mailboxStatsSchema,
  messageHeaderSchema,
  prioritySchema,
  reasonSchema,
  recipientsSchema,
  retryPolicySchema,
  storedMessageSchema,
  timeSchema,
  type WireLeasedMessage,
  type WireMailboxStats,
  type WireMessageHeader,
  type WireRetryPolicy,
  type WireStoredMessage,
} from './wire/common.js'
export {
  headerToWire,
  leasedToWire,
  outgoingToInput,
  sendRequestToInput,
  storedToWire,
} from './wire/convert.js'
export {
  type AckRequest,
  ackRequestSchema,
  type CountResponse,
  countResponseSchema,
  errorCodeSchema,
  type FanOutResponse,
  FETCH_MAX_WAIT_MS,
  type FetchRequest,
  type FetchResponse,
  fanOutResponseSchema,
  fetchRequestSchema,
  fetchResponseSchema,
  type HeadersResponse,
  headersQuerySchema,
  headersResponseSchema,
  type InfoResponse,
  infoResponseSchema,
  type MailboxesResponse,
  mailboxesResponseSchema,
  type OutgoingRequest,
  okResponseSchema,
  outgoingRequestSchema,
  outgoingResponseSchema,
  type PolicyResponse,
  type Problem,
  policyResponseSchema,
  problemReplySchema,
  problemSchema,
  type RecipientResult,
  type RedriveRequest,
  type RejectRequest,
  type RenewRequest,
  type RenewResponse,
  recipientResultSchema,
  redriveRequestSchema,
  rejectRequestSchema,
  renewRequestSchema,
  renewResponseSchema,
  type SendBatchRequest,
  type SendBatchResponse,
  type SendRequest,
  type SendResponse,
  sendBatchRequestSchema,
  sendBatchResponseSchema,
  sendRequestSchema,
  sendResponseSchema,
} from './wire/http.js'
export { type JsonRouteId, ROUTE_PATHS, routePath } from './wire/route-paths.js'
export { JSON_ROUTES, type JsonRoute, type QueryParam } from './wire/routes.js'
export {
  type ClientFrame,
  clientFrameSchema,
  type ServerFrame,
  serverFrameSchema,
  WATCH_EVENT_KINDS,
  WATCH_MAX_MIDS,
  type WatchEvent,
  type WatchEventKind,
  WS_CLOSE,
  WS_FEATURES,
  WS_MAX_ACKS,
  WS_MAX_CLIENT_FRAME_BYTES,
  WS_MAX_SENDS,
  WS_MAX_SUBSCRIPTIONS,
  WS_PROTOCOL,
  watchEventSchema,
} from './wire/ws.js'
