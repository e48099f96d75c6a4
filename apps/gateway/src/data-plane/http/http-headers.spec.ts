import { describe, expect, it } from 'vitest';
import { parseHttpRoute as parseRoute } from '@jitgate/contracts';
import { downstreamResponseHeaders, gatewayLocation, upstreamRequestHeaders } from './http-headers.js';
import { bearerToken } from './http-route.js';

describe('upstreamRequestHeaders', () => {
  const caller = {
    authorization: 'Bearer jg_secret',
    'proxy-authorization': 'Basic x',
    host: 'gateway:8480',
    connection: 'keep-alive, x-trace',
    'x-trace': '1',
    'keep-alive': 'timeout=5',
    'transfer-encoding': 'chunked',
    'x-jitgate-session': 'forged',
    'x-http-method-override': 'DELETE',
    'x-http-method': 'DELETE',
    'accept-encoding': 'gzip',
    'content-type': 'application/json',
    expect: '100-continue',
  };

  it("drops the caller's token, hop-by-hop headers, our own and method overrides", () => {
    const out = upstreamRequestHeaders(caller, { readsAnswer: false });
    expect(out).toEqual({ 'accept-encoding': 'gzip', 'content-type': 'application/json' });
  });

  it('asks for the whole body, unencoded, when the answer will be masked, and sets the length of a read body', () => {
    const out = upstreamRequestHeaders({ ...caller, 'content-length': '99', range: 'bytes=1-', 'if-range': '"e"' }, { readsAnswer: true, bodyLength: 12 });
    expect(out['accept-encoding']).toBe('identity');
    expect(out['content-length']).toBe('12');
    expect(out.range).toBeUndefined();
    expect(out['if-range']).toBeUndefined();
  });

  it('leaves a range to the caller when nothing is masked', () => {
    expect(upstreamRequestHeaders({ range: 'bytes=1-', 'if-range': '"e"' }, { readsAnswer: false })).toEqual({ range: 'bytes=1-', 'if-range': '"e"' });
  });
});

describe('downstreamResponseHeaders', () => {
  it('drops hop-by-hop headers, and what a rewritten body invalidates', () => {
    const target = { 'content-type': 'application/json', 'content-length': '10', 'content-encoding': 'gzip', etag: '"x"', connection: 'close', 'x-jitgate-error': 'forged' };
    expect(downstreamResponseHeaders(target, false)).toEqual({ 'content-type': 'application/json', 'content-length': '10', 'content-encoding': 'gzip', etag: '"x"' });
    expect(downstreamResponseHeaders(target, true)).toEqual({ 'content-type': 'application/json' });
  });

  it("puts a location relative to the target's root under the connection's prefix", () => {
    const headers: Record<string, string> = { location: '/upload/storage/v1/b/x/o?upload_id=1' };
    gatewayLocation(headers, 'files');
    expect(headers.location).toBe('/c/files/upload/storage/v1/b/x/o?upload_id=1');
    const elsewhere: Record<string, string> = { location: 'https://accounts.example/login' };
    gatewayLocation(elsewhere, 'files');
    expect(elsewhere.location).toBe('https://accounts.example/login');
    const protocolRelative: Record<string, string> = { location: '//evil.example/x' };
    gatewayLocation(protocolRelative, 'files');
    expect(protocolRelative.location).toBe('//evil.example/x');
  });
});

describe('parseRoute and bearerToken', () => {
  it('takes the connection from the first segment after /c/', () => {
    expect(parseRoute('/c/analytics/bigquery/v2/projects/p/queries?x=1')).toEqual({ connection: 'analytics', target: '/bigquery/v2/projects/p/queries?x=1' });
    expect(parseRoute('/c/tools')).toEqual({ connection: 'tools', target: '/' });
    expect(parseRoute('/c/tools?x=1')).toEqual({ connection: 'tools', target: '/?x=1' });
  });

  it('refuses anything else', () => {
    for (const url of [undefined, '/', '/c/', '/c/UPPER/x', '/x/c/a', '/c/a%2Fb/x', '/cc/a', 'http://h/c/a']) expect(parseRoute(url)).toBeNull();
    expect(parseRoute('/c/tools-and-more/x')?.connection).toBe('tools-and-more');
  });

  it('reads only Bearer tokens', () => {
    expect(bearerToken('Bearer jg_abc')).toBe('jg_abc');
    expect(bearerToken('bearer   jg_abc  ')).toBe('jg_abc');
    for (const header of [undefined, '', 'Basic dXNlcjpwYXNz', 'Bearer', 'Bearer a b', 'Bearerjg_abc']) expect(bearerToken(header)).toBeUndefined();
  });
});
