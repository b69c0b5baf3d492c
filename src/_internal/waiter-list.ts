/** The links a node needs to sit in a {@link WaiterList}; the list sets them. */
export interface WaiterLink<N> {
  prev?: N | undefined
  next?: N | undefined
  linked?: boolean
}

/**
 * A first-in, first-out list of waiting callers, linked through the nodes themselves:
 * O(1) `push`, `shift` and `remove` from the middle (an aborted waiter leaves at once, with
 * no scan). Semaphore, Queue and RateLimiter all queue their waiters in one of these.
 */
export class WaiterList<N extends WaiterLink<N>> {
  #head: N | undefined
  #tail: N | undefined
  /** Nodes in the list now. */
  length = 0

  /** The oldest node, without removing it. */
  get head(): N | undefined {
    return this.#head
  }

  push(node: N): void {
    node.prev = this.#tail
    node.next = undefined
    node.linked = true
    if (this.#tail === undefined) this.#head = node
    else this.#tail.next = node
    this.#tail = node
    this.length++
  }

  shift(): N | undefined {
    const node = this.#head
    if (node !== undefined) this.remove(node)
    return node
  }

  /** Unlinks `node`; does nothing if it is not in the list (already served or removed). */
  remove(node: N): void {
    if (!node.linked) return
    if (node.prev === undefined) this.#head = node.next
    else node.prev.next = node.next
    if (node.next === undefined) this.#tail = node.prev
    else node.next.prev = node.prev
    node.prev = undefined
    node.next = undefined
    node.linked = false
    this.length--
  }
}
