/** Resolves once `pred()` holds; rejects with `what` after `timeoutMs` (default 3 s). Polls every 5 ms. */
export async function eventually(pred: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`condition not met in ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
