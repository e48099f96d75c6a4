// The gateway's HTTP/2 receive window on agent tunnels. grpc-js (1.14) servers leave Node's
// 64 KiB default, per stream and per connection, and offer no option to raise it (the client's
// `grpc-node.flow_control_window` is not read by the server: grpc/grpc-node#3058, open). On a
// slow link that window starved the agent: every message it sends the gateway (DATA and its
// heartbeats alike) waits for a WINDOW_UPDATE, and the gateway's WINDOW_UPDATEs queue behind
// whatever it is itself sending the agent (up to a session window, 1 MiB, per session). At
// 1 Mbit/s the agent's heartbeats then stopped for more than 3 intervals and the gateway cut a
// live tunnel (e2e/faults/network-partition.test.ts, "a slow link"). With a window of 8 MiB —
// the size the agent sets on its end of the tunnel — the agent can keep sending while the
// gateway's side of the link is full.
import type { Http2Session } from 'node:http2';
import type { TunnelCall } from './agent-tunnel.js';

/** Per stream and per connection; as wide as the agent's receive window. */
export const TUNNEL_RECEIVE_WINDOW = 8 * 1024 * 1024;

const widened = new WeakSet<Http2Session>();

/**
 * Raises the receive window of the HTTP/2 connection under `call` (once per connection).
 * grpc-js exposes no public way to reach the session: the call's `call.stream` is grpc-js's own
 * field (1.14); when it is not there, nothing changes and false is returned, and the spec beside
 * this file fails, so a grpc-js upgrade that moves it is caught.
 */
export function widenReceiveWindow(call: TunnelCall, windowBytes = TUNNEL_RECEIVE_WINDOW): boolean {
  const session = (call as unknown as { call?: { stream?: { session?: Http2Session } } }).call?.stream?.session;
  if (!session || typeof session.setLocalWindowSize !== 'function' || session.destroyed) return false;
  if (widened.has(session)) return true;
  widened.add(session);
  // The connection window at once; the stream windows through SETTINGS (which also widens the
  // streams already open, RFC 9113 §6.9.2).
  session.setLocalWindowSize(windowBytes);
  session.settings({ initialWindowSize: windowBytes });
  return true;
}
