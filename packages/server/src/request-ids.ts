/** An `x-request-id` a proxy or client set is kept when it is this shape: it ends up in every log line of the request. */
const GIVEN_ID = /^[A-Za-z0-9._:@/-]{1,64}$/;

/**
 * Request ids, one sequence per hub for HTTP requests and WebSocket upgrades alike, so a log line
 * of either names the request it belongs to (`reqId`). An incoming `x-request-id` (a proxy's) is
 * used as is when it looks like an id, so one id follows the request through the proxy's logs too.
 */
export class RequestIds {
  private n = 0;

  next(header: string | string[] | undefined): string {
    if (typeof header === 'string' && GIVEN_ID.test(header)) return header;
    return `req-${(++this.n).toString(36)}`;
  }
}
