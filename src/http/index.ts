// Public entry of `asyncwith/http`. Explicit names only, so the public surface shows in diffs.
// Node.js only: it is built on undici.

export type {
  RateLimitOptions,
  RedirectOptions,
  RetryOptions,
  TimeoutOptions,
} from './_options.js'
export {
  BodySizeError,
  type BodySizeErrorOptions,
  ClientClosedError,
  type ClientClosedErrorOptions,
  ConnectionError,
  type ConnectionErrorOptions,
  type ConnectionFailure,
  DecompressionError,
  type DecompressionErrorOptions,
  type DecompressionFailure,
  type HttpHeaders,
  type HttpPhase,
  type HttpRequestInfo,
  HttpStatusError,
  type HttpStatusErrorOptions,
  HttpTimeoutError,
  type HttpTimeoutErrorOptions,
  type HttpTimeoutPhase,
  InvalidRequestError,
  type InvalidRequestErrorOptions,
  InvalidUrlError,
  type InvalidUrlErrorOptions,
  isBodySizeError,
  isClientClosedError,
  isConnectionError,
  isDecompressionError,
  isHttpStatusError,
  isHttpTimeoutError,
  isInvalidRequestError,
  isInvalidUrlError,
  isRedirectDowngradeError,
  isRedirectLimitError,
  RedirectDowngradeError,
  type RedirectDowngradeErrorOptions,
  RedirectLimitError,
  type RedirectLimitErrorOptions,
} from './errors.js'
export type {
  FetchAllOptions,
  FetchFailure,
  FetchOutcome,
  FetchRead,
  FetchSuccess,
  FetchTimings,
} from './fetch-all.js'
export {
  type HostGate,
  type HostPermit,
  type LocalHostGateOptions,
  localHostGate,
} from './host-gate.js'
export { HttpClient } from './http-client.js'
export { HttpResponse } from './http-response.js'
export { RequestContext } from './request-context.js'
export type {
  HttpClientOptions,
  HttpClientStatistics,
  RequestBody,
  RequestOptions,
  TlsOptions,
} from './request-options.js'
