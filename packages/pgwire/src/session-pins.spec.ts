import { READ_ONLY_SESSION_PARAMETER } from '@jitgate/contracts';
import { describe, expect, it } from 'vitest';
import { acceptsClientEncoding, clientEncodingRefusal, isReadOnlySession, keepsPin, PINNED_SETTINGS, pinnedSettings, READ_ONLY_PINNED_SETTINGS, withPins } from './session-pins.js';

describe('pinned settings', () => {
  it('pins UTF8 and standard_conforming_strings in every session, and read-only transactions in read-only ones', () => {
    expect(pinnedSettings(false)).toEqual({ client_encoding: 'UTF8', standard_conforming_strings: 'on' });
    expect(pinnedSettings(true)).toEqual({ client_encoding: 'UTF8', standard_conforming_strings: 'on', default_transaction_read_only: 'on' });
    expect(Object.isFrozen(PINNED_SETTINGS) && Object.isFrozen(READ_ONLY_PINNED_SETTINGS)).toBe(true);
  });

  it('applies the pins last: no parameter overrides one, in any case', () => {
    const client = { application_name: 'psql', client_encoding: 'SJIS', Standard_Conforming_Strings: 'off', DEFAULT_TRANSACTION_READ_ONLY: 'off', DateStyle: 'ISO' };
    expect(withPins(client, pinnedSettings(true))).toEqual({
      application_name: 'psql',
      DateStyle: 'ISO',
      client_encoding: 'UTF8',
      standard_conforming_strings: 'on',
      default_transaction_read_only: 'on',
    });
    // A read-write session does not pin default_transaction_read_only: what was asked passes.
    expect(withPins({ default_transaction_read_only: 'on' }, pinnedSettings(false))).toMatchObject({ default_transaction_read_only: 'on' });
  });

  it('a report keeps a pin only with the exact value; unpinned names are not its business', () => {
    const pins = pinnedSettings(true);
    expect(keepsPin(pins, 'client_encoding', 'UTF8')).toBe(true);
    expect(keepsPin(pins, 'client_encoding', 'SJIS')).toBe(false);
    expect(keepsPin(pins, 'client_encoding', 'utf8')).toBe(false);
    expect(keepsPin(pins, 'standard_conforming_strings', 'off')).toBe(false);
    expect(keepsPin(pins, 'default_transaction_read_only', 'off')).toBe(false);
    expect(keepsPin(pinnedSettings(false), 'default_transaction_read_only', 'off')).toBe(true);
    expect(keepsPin(pins, 'TimeZone', 'UTC')).toBe(true);
    expect(keepsPin(pins, 'toString', 'x')).toBe(true);
  });

  it('a session is read-only when the grant scope or the gateway says so', () => {
    expect(isReadOnlySession('read-only', {})).toBe(true);
    expect(isReadOnlySession('', { [READ_ONLY_SESSION_PARAMETER]: 'on' })).toBe(true);
    expect(isReadOnlySession('read-write', { [READ_ONLY_SESSION_PARAMETER]: 'on' })).toBe(true);
    expect(isReadOnlySession('', {})).toBe(false);
    expect(isReadOnlySession('Read-Only', { [READ_ONLY_SESSION_PARAMETER]: 'off' })).toBe(false);
  });
});

describe('client encodings at the gateway', () => {
  it.each(['UTF8', 'utf8', 'UTF-8', 'utf_8', 'Unicode', 'U.T.F 8', 'SQL_ASCII', 'sql-ascii', 'SQLASCII'])('accepts %s', (name) => {
    expect(acceptsClientEncoding(name)).toBe(true);
  });

  it.each(['SJIS', 'Shift_JIS', 'BIG5', 'GBK', 'GB18030', 'UHC', 'JOHAB', 'EUC_JP', 'LATIN1', 'WIN1252', 'MULE_INTERNAL', 'auto', '', 'UTF16', 'UTF8MB4', 'UTF-88'])('refuses %j', (name) => {
    expect(acceptsClientEncoding(name)).toBe(false);
  });

  it('the refusal tells what to do and quotes a bounded value', () => {
    expect(clientEncodingRefusal('SJIS')).toBe('client_encoding "SJIS" is not supported: jitgate sessions run in UTF8; set it to UTF8 (for example PGCLIENTENCODING=UTF8)');
    expect(clientEncodingRefusal('x'.repeat(500)).length).toBeLessThan(200);
  });
});
