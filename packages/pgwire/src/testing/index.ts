// Test helpers for other packages' integration suites: `@jitgate/pgwire/testing`.
export { PG_BIN, startTestCluster, type TestAuthMethod, type TestCluster, type TestRole } from './pg-cluster.js';
export { WireConnection, type LoginResult } from './wire-connection.js';
