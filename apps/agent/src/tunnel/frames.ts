// Agent → gateway messages, built with create(Schema, …) in one place so that the rest of the
// agent speaks in terms of sids and reasons, not protobuf shapes.
import { create } from '@bufbuild/protobuf';
import { CloseReason, HalfCloseSchema, HeartbeatSchema, HelloSchema, PostgresLoginSchema, SessionCloseSchema, SessionOpenedSchema, WindowUpdateSchema, type ConnectRequest } from '@jitgate/proto';
import { dataRequest } from '@jitgate/tunnel';
import type { PostgresRole } from '../targets/postgres-login.js';

export type AgentFrame = ConnectRequest['msg'];

/** Where a session's frames go: the tunnel's current stream. */
export interface FrameSink {
  send(frame: AgentFrame): void;
  /** False while the stream's write buffer is full; pipes stop reading their sockets. */
  writable(): boolean;
}

export interface HelloFields {
  name: string;
  version: string;
  labels: Record<string, string>;
  connections: string[];
  instanceId: string;
}

// Every frame value below is a complete message (create(), or dataRequest's literal), so the
// envelope needs no create(): it is on the path of every DATA frame.
export const toRequest = (frame: AgentFrame): ConnectRequest => ({ $typeName: 'jitgate.tunnel.v1.ConnectRequest', msg: frame });

// Only names and connection names go into Hello: credentials never leave the agent.
export const helloFrame = (hello: HelloFields): AgentFrame => ({ case: 'hello', value: create(HelloSchema, { ...hello }) });

export const heartbeatFrame = (now: number): AgentFrame => ({ case: 'heartbeat', value: create(HeartbeatSchema, { sentAtUnixMs: BigInt(now) }) });

export const openedFrame = (sid: number, result: { ok: true; initialWindow: number; postgresLogin?: PostgresRole } | { ok: false; error: string }): AgentFrame => ({
  case: 'sessionOpened',
  value: create(
    SessionOpenedSchema,
    result.ok
      ? { sid, ok: true, initialWindow: result.initialWindow, ...(result.postgresLogin ? { postgresLogin: create(PostgresLoginSchema, result.postgresLogin) } : {}) }
      : { sid, ok: false, error: result.error },
  ),
});

export const dataFrame = (sid: number, payload: Uint8Array): AgentFrame => dataRequest(sid, payload).msg;

export const windowUpdateFrame = (sid: number, increment: number): AgentFrame => ({ case: 'windowUpdate', value: create(WindowUpdateSchema, { sid, increment }) });

export const halfCloseFrame = (sid: number): AgentFrame => ({ case: 'halfClose', value: create(HalfCloseSchema, { sid }) });

export const closeFrame = (sid: number, reason: CloseReason, message: string): AgentFrame => ({
  case: 'sessionClose',
  value: create(SessionCloseSchema, { sid, reason, message }),
});

/** "GRANT_EXPIRED" rather than 3, for logs. */
export const reasonName = (reason: CloseReason): string => CloseReason[reason] ?? String(reason);
