import type { Identity } from '@jitgate/db';

/** The API shape of an identity. */
export function presentIdentity(identity: Identity) {
  return {
    id: identity.id,
    issuer: identity.issuer,
    subject: identity.subject,
    kind: identity.kind,
    displayName: identity.displayName,
    groups: identity.groups,
    attributes: identity.attributes,
    disabled: identity.disabledAt !== null,
    createdAt: identity.createdAt,
    updatedAt: identity.updatedAt,
  };
}
