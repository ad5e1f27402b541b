import { CloseCode } from './codes.js';

/**
 * What a client does when its connection ends with a close code, decided from the code alone
 * (centrifuge's disconnect.go does the same with code ranges):
 * - `reconnect`: back off (full jitter), then reconnect and resume every subscription by seq;
 * - `reconnect_now`: this connection, not the client, was the problem (shutdown, slow consumer):
 *   reconnect at once (the first time; failures after that back off), resuming by seq;
 * - `refresh_token`: credentials are missing or expired: get a fresh token, then reconnect;
 * - `stop`: the hub refuses this client; retrying would be refused again.
 */
export type CloseAction = 'reconnect' | 'reconnect_now' | 'refresh_token' | 'stop';

const POLICY: ReadonlyMap<number, CloseAction> = new Map<number, CloseAction>([
  [CloseCode.Normal, 'reconnect'],
  [CloseCode.GoingAway, 'reconnect_now'],
  [CloseCode.Abnormal, 'reconnect'],
  [CloseCode.Policy, 'reconnect'],
  [CloseCode.TooBig, 'reconnect'],
  [CloseCode.ProtocolError, 'reconnect'],
  [CloseCode.Unauthenticated, 'refresh_token'],
  [CloseCode.Forbidden, 'stop'],
  [CloseCode.SlowConsumer, 'reconnect_now'],
  [CloseCode.TooManyConnections, 'reconnect'],
]);

/** The client's policy for a close code; a code this protocol version does not know means `reconnect`. */
export function closeAction(code: number): CloseAction {
  return POLICY.get(code) ?? 'reconnect';
}
