// Builders for what the gateway sends an agent (ConnectResponse), so that the tunnel code reads
// as the protocol of docs/tunnel.md and not as protobuf plumbing.
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { CloseReason, ConnectResponseSchema, type ConnectResponse, type WelcomeSchema } from '@jitgate/proto';
import { dataResponse } from '@jitgate/tunnel';

export interface SessionOpenInit {
  sid: number;
  sessionId: string;
  connection: string;
  grantId: string;
  grantExpiresAt: Date;
  scope: string;
  initialWindow: number;
  /** Filtered protocol options for the agent (postgres: application_name, …). */
  clientParameters?: Record<string, string>;
}

export const toAgent = {
  welcome(init: MessageInitShape<typeof WelcomeSchema>): ConnectResponse {
    return create(ConnectResponseSchema, { msg: { case: 'welcome', value: init } });
  },
  heartbeat(now: Date): ConnectResponse {
    return create(ConnectResponseSchema, { msg: { case: 'heartbeat', value: { sentAtUnixMs: BigInt(now.getTime()) } } });
  },
  sessionOpen(init: SessionOpenInit): ConnectResponse {
    return create(ConnectResponseSchema, {
      msg: {
        case: 'sessionOpen',
        value: {
          sid: init.sid,
          sessionId: init.sessionId,
          connection: init.connection,
          grantId: init.grantId,
          grantExpiresAtUnixMs: BigInt(init.grantExpiresAt.getTime()),
          scope: init.scope,
          initialWindow: init.initialWindow,
          clientParameters: init.clientParameters ?? {},
        },
      },
    });
  },
  sessionCancel(sid: number): ConnectResponse {
    return create(ConnectResponseSchema, { msg: { case: 'sessionCancel', value: { sid } } });
  },
  /** The hot path: built without create() (data-frame-codec.ts in @jitgate/tunnel). */
  data(sid: number, payload: Uint8Array): ConnectResponse {
    return dataResponse(sid, payload);
  },
  windowUpdate(sid: number, increment: number): ConnectResponse {
    return create(ConnectResponseSchema, { msg: { case: 'windowUpdate', value: { sid, increment } } });
  },
  halfClose(sid: number): ConnectResponse {
    return create(ConnectResponseSchema, { msg: { case: 'halfClose', value: { sid } } });
  },
  sessionClose(sid: number, reason: CloseReason, message: string): ConnectResponse {
    return create(ConnectResponseSchema, { msg: { case: 'sessionClose', value: { sid, reason, message } } });
  },
  grantRevoked(grantId: string, reason: CloseReason): ConnectResponse {
    return create(ConnectResponseSchema, { msg: { case: 'grantRevoked', value: { grantId, reason } } });
  },
};
