import type { AsyncContextManager } from '../context/index.js'
import type { HttpResponse } from './http-response.js'

/**
 * What `client.get(url)` and the other request methods return: both a promise-like for the
 * {@link HttpResponse} and an `AsyncContextManager` that releases the response on exit, as
 * aiohttp's `session.get()` is. The request is sent when it is first awaited or entered.
 *
 * - `await client.get(url)` gives the response; read its body or release it (or use
 *   `await using`), or its connection stays busy until the client closes.
 * - `withContext(client.get(url), (response) => response.text())` releases it however the
 *   body ends, read or not.
 *
 * @example
 * import { withContext } from 'asyncwith/context'
 * import { HttpClient } from 'asyncwith/http'
 *
 * await withContext(new HttpClient(), async (client) => {
 *   const text = await withContext(client.get('http://127.0.0.1:8080/'), (response) =>
 *     response.text(),
 *   )
 *   console.log(text)
 * })
 */
export class RequestContext
  implements PromiseLike<HttpResponse>, AsyncContextManager<HttpResponse, void>
{
  readonly #send: () => Promise<HttpResponse>
  #sent: Promise<HttpResponse> | undefined

  /** @internal Made by `HttpClient`'s request methods. */
  constructor(send: () => Promise<HttpResponse>) {
    this.#send = send
  }

  /** Sends the request (once) and resolves with the response. */
  then<A = HttpResponse, B = never>(
    onFulfilled?: ((response: HttpResponse) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.#start().then(onFulfilled, onRejected)
  }

  /** Sends the request (once) and gives the response, for `withContext`. */
  enter(): Promise<HttpResponse> {
    return this.#start()
  }

  /** Releases the response: the rest of its body is discarded and its connection freed. */
  async exit(): Promise<void> {
    const response = await this.#sent
    await response?.release()
  }

  #start(): Promise<HttpResponse> {
    if (this.#sent === undefined) {
      // Bad arguments throw in `send`: they must reject the promise, not throw from `then()`.
      try {
        this.#sent = this.#send()
      } catch (error) {
        this.#sent = Promise.reject(error)
      }
    }
    return this.#sent
  }
}
