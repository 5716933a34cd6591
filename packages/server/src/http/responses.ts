import type { ServerResponse } from 'node:http'
import { ErrorCodes, type PandoraError, type Problem } from '@pandora/core'

/** The headers of every JSON reply but its length. */
const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }

/** Writes a JSON reply. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { ...JSON_HEADERS, 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

/** Items a long list reply serializes between two turns of the event loop. */
const LIST_SLICE = 500

/** Bytes of a long reply written per write call: one write of a ~1 MB reply held the loop ~26 ms. */
const REPLY_SLICE = 32 * 1024

/**
 * Writes `{ [key]: items }` as JSON, `LIST_SLICE` items at a time (see {@link sendInParts}), so a
 * list of ten thousand mailboxes (~1 MB) never holds every other request and socket for the whole
 * serialization. Short lists go out in one piece, with a length, as `sendJson` would.
 */
export async function sendJsonList(
  res: ServerResponse,
  key: string,
  items: readonly unknown[],
): Promise<void> {
  if (items.length <= LIST_SLICE) return sendJson(res, 200, { [key]: items })
  // Serialized lazily, one slice a part: each between two turns of the event loop.
  function* parts() {
    yield `{${JSON.stringify(key)}:[`
    for (let i = 0; i < items.length; i += LIST_SLICE) {
      const slice = JSON.stringify(items.slice(i, i + LIST_SLICE)).slice(1, -1)
      yield i === 0 ? slice : `,${slice}`
    }
    yield ']}'
  }
  await sendInParts(res, undefined, parts())
}

/**
 * Writes `{ [key]: <array> }`, where `array` is the UTF-8 of a JSON array already serialized (e.g.
 * by a store, off the event loop), {@link REPLY_SLICE} bytes a part (see {@link sendInParts}).
 */
export async function sendJsonArray(res: ServerResponse, key: string, array: Uint8Array): Promise<void> {
  const head = Buffer.from(`{${JSON.stringify(key)}:`)
  function* parts() {
    yield head
    for (let at = 0; at < array.length; at += REPLY_SLICE) yield array.subarray(at, at + REPLY_SLICE)
    yield '}'
  }
  await sendInParts(res, head.length + array.length + 1, parts())
}

/**
 * Writes a 200 JSON reply part by part, each write followed by a turn of the event loop, or by
 * waiting for the socket to drain when it is full: a loopback write runs the receiving side's TCP
 * work in the writer's own call, so one write of a whole long reply stalled every other request
 * for as long. Stops when the client goes away. Chunked when `length` is not known.
 */
async function sendInParts(
  res: ServerResponse,
  length: number | undefined,
  parts: Iterable<string | Uint8Array>,
): Promise<void> {
  res.writeHead(200, length === undefined ? JSON_HEADERS : { ...JSON_HEADERS, 'content-length': length })
  for (const part of parts) {
    if (res.destroyed) return
    if (res.write(part)) await new Promise<void>((resolve) => setImmediate(resolve))
    else await drainedOrClosed(res)
  }
  if (!res.destroyed) res.end()
}

/** Resolves once `res` can take more, or is closed (a client that went away never drains). */
function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done)
      res.off('close', done)
      resolve()
    }
    res.on('drain', done)
    res.on('close', done)
  })
}

/** An error as RFC 9457 problem details, with Pandora's stable code. */
export function problemOf(error: PandoraError): Problem {
  const problem: Problem = {
    type: `https://pandora.dev/errors/${error.code}`,
    title: ErrorCodes[error.code].message,
    status: error.status,
    code: error.code,
  }
  if (error.message !== problem.title) problem.detail = error.message
  else if (error.detail) problem.detail = error.detail
  return problem
}

/** Writes an error as `application/problem+json`. */
export function sendProblem(
  res: ServerResponse,
  error: PandoraError,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(problemOf(error))
  res.writeHead(error.status, {
    'content-type': 'application/problem+json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  })
  res.end(text)
}

/** Writes a form-encoded reply (the original API's format). */
export function sendForm(res: ServerResponse, status: number, params: URLSearchParams | string): void {
  const text = params.toString()
  res.writeHead(status, {
    'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  })
  res.end(text)
}

/**
 * Writes an error as the original server did: 400 for API errors with the body
 * `error=<url-encoded message>`; other statuses keep their own code (401, 404, 405, 413, …).
 */
export function sendFormError(
  res: ServerResponse,
  error: PandoraError,
  headers: Record<string, string> = {},
): void {
  const text = new URLSearchParams({ error: error.message }).toString()
  res.writeHead(error.status, {
    'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  })
  res.end(text)
}
