import { describe, expect, it } from 'vitest';
import { privilegesOf } from './server-role.js';

describe('privilegesOf', () => {
  const plain = { superuser: false, createRole: false, bypassRls: false, replication: false, memberOfPrivileged: false };

  it('names nothing for a role the database limits', () => {
    expect(privilegesOf(plain)).toEqual([]);
  });

  it('names each attribute that reaches past table privileges, and membership of a role that has one', () => {
    expect(privilegesOf({ superuser: true, createRole: true, bypassRls: true, replication: true, memberOfPrivileged: true })).toEqual([
      'superuser',
      'CREATEROLE',
      'BYPASSRLS',
      'REPLICATION',
      'member of a privileged role',
    ]);
    expect(privilegesOf({ ...plain, memberOfPrivileged: true })).toEqual(['member of a privileged role']);
  });
});
