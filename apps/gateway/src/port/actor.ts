// Who an audit event names as having acted: an identity, or the gateway itself. Both planes
// name actors (the data plane when a session ends), so the shape lives on the port.
export type ActorKind = 'human' | 'service' | 'system';

export interface AuditActor {
  id: string | null;
  kind: ActorKind;
}

export const SYSTEM_ACTOR: AuditActor = { id: null, kind: 'system' };
