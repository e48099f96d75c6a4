// One switch over every server message type, for callers (the agent, tests) that want a
// decoded union rather than calling the specific decoder for the few types they care about.
import * as d from './backend-decoders.js';
import { PgWireError } from './errors.js';
import { BackendType } from './message-types.js';

/** Every server message after startup, decoded. */
export type BackendMessage =
  | { type: 'Authentication'; auth: d.DecodedAuthentication }
  | { type: 'BackendKeyData'; key: d.BackendKeyData }
  | { type: 'BindComplete' }
  | { type: 'CloseComplete' }
  | { type: 'CommandComplete'; tag: string }
  | { type: 'CopyData'; data: Buffer }
  | { type: 'CopyDone' }
  | { type: 'CopyInResponse' | 'CopyOutResponse' | 'CopyBothResponse'; copy: d.CopyResponse }
  | { type: 'DataRow'; values: (Buffer | null)[] }
  | { type: 'EmptyQueryResponse' }
  | { type: 'ErrorResponse' | 'NoticeResponse'; fields: d.NoticeFields }
  | { type: 'FunctionCallResponse'; value: Buffer | null }
  | { type: 'NegotiateProtocolVersion'; negotiate: d.NegotiateProtocolVersion }
  | { type: 'NoData' }
  | { type: 'NotificationResponse'; notification: d.Notification }
  | { type: 'ParameterDescription'; typeOids: number[] }
  | { type: 'ParameterStatus'; name: string; value: string }
  | { type: 'ParseComplete' }
  | { type: 'PortalSuspended' }
  | { type: 'ReadyForQuery'; status: d.TransactionStatus }
  | { type: 'RowDescription'; fields: d.FieldDescription[] };

type EmptyType = 'BindComplete' | 'CloseComplete' | 'CopyDone' | 'EmptyQueryResponse' | 'NoData' | 'ParseComplete' | 'PortalSuspended';

function empty(type: EmptyType, body: Buffer): BackendMessage {
  d.decodeEmptyBackend(body, type);
  return { type };
}

/** FunctionCallResponse ('V'): one length-prefixed value, -1 = NULL. */
function functionCallResponse(body: Buffer): Buffer | null {
  if (body.length < 4) throw new PgWireError('malformed', 'FunctionCallResponse: truncated');
  const len = body.readInt32BE(0);
  if (len === -1 && body.length === 4) return null;
  if (len < 0 || body.length !== 4 + len) throw new PgWireError('malformed', 'FunctionCallResponse: length does not match the body');
  return body.subarray(4);
}

/** Decodes any server message by its type byte; unknown bytes are PgWireError('unknown_type'). */
export function decodeBackendMessage(type: number, body: Buffer): BackendMessage {
  switch (type) {
    case BackendType.Authentication:
      return { type: 'Authentication', auth: d.decodeAuthentication(body) };
    case BackendType.BackendKeyData:
      return { type: 'BackendKeyData', key: d.decodeBackendKeyData(body) };
    case BackendType.BindComplete:
      return empty('BindComplete', body);
    case BackendType.CloseComplete:
      return empty('CloseComplete', body);
    case BackendType.CommandComplete:
      return { type: 'CommandComplete', tag: d.decodeCommandComplete(body) };
    case BackendType.CopyData:
      return { type: 'CopyData', data: body };
    case BackendType.CopyDone:
      return empty('CopyDone', body);
    case BackendType.CopyInResponse:
      return { type: 'CopyInResponse', copy: d.decodeCopyResponse(body) };
    case BackendType.CopyOutResponse:
      return { type: 'CopyOutResponse', copy: d.decodeCopyResponse(body) };
    case BackendType.CopyBothResponse:
      return { type: 'CopyBothResponse', copy: d.decodeCopyResponse(body) };
    case BackendType.DataRow:
      return { type: 'DataRow', values: d.decodeDataRow(body) };
    case BackendType.EmptyQueryResponse:
      return empty('EmptyQueryResponse', body);
    case BackendType.ErrorResponse:
      return { type: 'ErrorResponse', fields: d.decodeErrorResponse(body) };
    case BackendType.FunctionCallResponse:
      return { type: 'FunctionCallResponse', value: functionCallResponse(body) };
    case BackendType.NegotiateProtocolVersion:
      return { type: 'NegotiateProtocolVersion', negotiate: d.decodeNegotiateProtocolVersion(body) };
    case BackendType.NoData:
      return empty('NoData', body);
    case BackendType.NoticeResponse:
      return { type: 'NoticeResponse', fields: d.decodeNoticeResponse(body) };
    case BackendType.NotificationResponse:
      return { type: 'NotificationResponse', notification: d.decodeNotificationResponse(body) };
    case BackendType.ParameterDescription:
      return { type: 'ParameterDescription', typeOids: d.decodeParameterDescription(body) };
    case BackendType.ParameterStatus:
      return { type: 'ParameterStatus', ...d.decodeParameterStatus(body) };
    case BackendType.ParseComplete:
      return empty('ParseComplete', body);
    case BackendType.PortalSuspended:
      return empty('PortalSuspended', body);
    case BackendType.ReadyForQuery:
      return { type: 'ReadyForQuery', status: d.decodeReadyForQuery(body) };
    case BackendType.RowDescription:
      return { type: 'RowDescription', fields: d.decodeRowDescription(body) };
    default:
      throw new PgWireError('unknown_type', `unknown backend message type 0x${type.toString(16)}`);
  }
}
