import { create } from '@bufbuild/protobuf';
import { READ_ONLY_SCOPE } from '@jitgate/contracts';
import { isReadOnlySession, privilegesOf } from '@jitgate/pgwire';
import { PostgresLoginSchema } from '@jitgate/proto';
import { describe, expect, it } from 'vitest';
import { AdmissionRefusal } from '../admission/admission-refusal.js';
import { checkServerLogin, serverRoleDetails } from './pg-server-login.js';

type Flags = Partial<Record<'superuser' | 'createRole' | 'bypassRls' | 'replication' | 'readOnly' | 'memberOfPrivileged', boolean>>;
const login = (flags: Flags = {}) => create(PostgresLoginSchema, { role: 'shop_rw', ...flags });

describe("the agent's login on the server", () => {
  it('the agent and the policy mean the same scope by read-only', () => {
    expect(isReadOnlySession(READ_ONLY_SCOPE, {})).toBe(true);
  });

  it('opens a read-only session only when the agent says the server session is read-only', () => {
    expect(() => checkServerLogin(true, login({ readOnly: true }))).not.toThrow();
    expect(() => checkServerLogin(true, login({ readOnly: false }))).toThrow(AdmissionRefusal);
    expect(() => checkServerLogin(true, undefined)).toThrow(/did not say whether the server session is read-only/);
    // A read-write session asks nothing of the report (an agent older than it still works).
    expect(() => checkServerLogin(false, undefined)).not.toThrow();
    expect(() => checkServerLogin(false, login())).not.toThrow();
  });

  it('records the report as it came, and names the privileges worth a warning', () => {
    expect(serverRoleDetails(undefined)).toBeNull();
    expect(serverRoleDetails(login({ readOnly: true }))).toEqual({ role: 'shop_rw', superuser: false, createRole: false, bypassRls: false, replication: false, readOnly: true, memberOfPrivileged: false });
    // The report itself is what both ends name privileges from.
    expect(privilegesOf(login())).toEqual([]);
    expect(privilegesOf(login({ bypassRls: true }))).toEqual(['BYPASSRLS']);
  });
});
