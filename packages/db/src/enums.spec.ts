// The database stores what the processes exchange: the schema's enums and @jitgate/contracts'
// lists name the same values, so that nothing is stored that a process does not understand,
// and nothing a process may send fails to be stored.
import { ACCESS_REQUEST_STATUSES, CONNECTION_TYPES } from '@jitgate/contracts';
import { expect, it } from 'vitest';
import { AccessRequestStatus, ConnectionType } from './generated/prisma/enums.js';

it('stores exactly the connection types and access request statuses of @jitgate/contracts', () => {
  expect(Object.values(ConnectionType)).toEqual([...CONNECTION_TYPES]);
  expect(Object.values(AccessRequestStatus)).toEqual([...ACCESS_REQUEST_STATUSES]);
});
