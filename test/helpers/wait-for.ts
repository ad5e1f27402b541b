/**
 * The one way this repo's tests wait (server, client, react): resolves once `pred` holds (it may be
 * async, and may throw to give up early, e.g. on a closed socket), re-checking every few ms; after
 * `timeoutMs` (default 10 s) it throws `timed out waiting for <what>`, so a test never hangs and
 * never sleeps a fixed time instead. `what` may be a function, evaluated at the timeout (e.g. to
 * show the last messages seen).
 *
 * A negative ("X did not happen") is asserted after a positive barrier that this helper waits for
 * (a later write's event, a pong on the same connection), never after a sleep.
 */
export async function waitFor(pred: () => boolean | Promise<boolean>, what: string | (() => string), timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await pred()) return;
    if (Date.now() >= deadline) throw new Error(`timed out waiting for ${typeof what === 'function' ? what() : what}`);
    // Yield to I/O (sockets, timers) before checking again.
    await new Promise<void>((resolve) => setTimeout(resolve, 5));
  }
}
