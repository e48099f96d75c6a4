// SQLSTATEs a gateway answers with. Spec: https://www.postgresql.org/docs/current/errcodes-appendix.html

/** The error codes the gateway reports in its own ErrorResponses. */
export const SqlState = {
  invalid_password: '28P01',
  invalid_authorization_specification: '28000',
  insufficient_privilege: '42501',
  protocol_violation: '08P01',
  connection_failure: '08006',
  sqlclient_unable_to_establish_sqlconnection: '08001',
  admin_shutdown: '57P01',
  query_canceled: '57014',
  feature_not_supported: '0A000',
  program_limit_exceeded: '54000',
  invalid_database: '3D000',
  syntax_error: '42601',
  internal_error: 'XX000',
  too_many_connections: '53300',
} as const;

/** One of the SqlState values. */
export type SqlStateCode = (typeof SqlState)[keyof typeof SqlState];
