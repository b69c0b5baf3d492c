// Public entry of `asyncwith/http`. Explicit names only, so the public surface shows in diffs.
// Node.js only: it is built on undici.

export type { DnsOptions } from './_network.js'
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
  InvalidUrlError,
  type InvalidUrlErrorOptions,
  isBodySizeError,
  isClientClosedError,
  isConnectionError,
  isDecompressionError,
  isHttpStatusError,
  isHttpTimeoutError,
  isInvalidUrlError,
  isProxyError,
  isRedirectDowngradeError,
  isRedirectLimitError,
  ProxyError,
  type ProxyErrorOptions,
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
  HttpClient,
  type HttpClientOptions,
  type HttpClientStatistics,
  type RequestBody,
  type RequestOptions,
  type TlsOptions,
} from './http-client.js'
export { HttpResponse } from './http-response.js'
export { RequestContext } from './request-context.js'
