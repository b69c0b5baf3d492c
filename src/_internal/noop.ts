/** Does nothing: the handler for a rejection that was already reported elsewhere. */
export function noop(): void {}
