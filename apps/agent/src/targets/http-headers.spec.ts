// The pure parts of forwarding: which requests are refused, which headers go on, the path.
import { describe, expect, it } from 'vitest';
import { downstreamResponseHeaders, refusalOf, relativeLocation, upstreamPath, upstreamRequestHeaders, type RequestHead } from './http-headers.js';

function request(method: string, url: string, raw: string[] = [], framingProblem?: string): RequestHead {
  const headers: Record<string, string> = {};
  for (let i = 0; i < raw.length; i += 2) headers[(raw[i] as string).toLowerCase()] = raw[i + 1] as string;
  return { method, url, headers, rawHeaders: raw, chunked: headers['transfer-encoding'] !== undefined, framingProblem };
}

describe('upstreamPath', () => {
  it.each([
    ['', '/', '/'],
    ['', '/a/b?x=1', '/a/b?x=1'],
    ['/mcp', '/', '/mcp'],
    ['/mcp', '/?session=1', '/mcp?session=1'],
    ['/api/v1', '/items', '/api/v1/items'],
    ['/api', '//evil.example/x', '/api//evil.example/x'],
    ['', '//evil.example/x', '//evil.example/x'],
  ])('%s + %s → %s', (base, path, expected) => {
    expect(upstreamPath(base, path)).toBe(expected);
  });
});

describe('refusalOf', () => {
  it.each([
    ['GET', '/ok', [], undefined],
    ['POST', '/upload', ['Transfer-Encoding', 'chunked'], undefined],
    ['GET', 'http://evil.example/', [], /path starting with \//],
    ['OPTIONS', '*', [], /path starting with \//],
    ['CONNECT', 'evil.example:443', [], /CONNECT/],
    ['GET', '/ws', ['Upgrade', 'websocket'], /upgrades/],
    ['GET', '/a/../b', [], /\. or \.\. segments/],
    ['GET', '/a/%2E%2e/b', [], /\. or \.\. segments/],
    ['GET', '/a/..%2Fb', [], /\. or \.\. segments/],
    ['GET', '/a\\..\\b', [], /\. or \.\. segments/],
    ['GET', '/a/./b', [], /\. or \.\. segments/],
    ['GET', '/a/...b/c?x=/../', [], undefined],
    ['POST', '/x', ['Transfer-Encoding', 'gzip, chunked'], /chunked/],
  ] as const)('%s %s %j', (method, url, raw, expected) => {
    const refusal = refusalOf(request(method, url, [...raw]));
    if (expected === undefined) expect(refusal).toBeUndefined();
    else expect(refusal).toMatch(expected);
  });

  it("refuses a head whose framing the session marked (@jitgate/http-session's content-length checks)", () => {
    expect(refusalOf(request('POST', '/x', ['Content-Length', '3', 'Content-Length', '4'], 'the content-length is invalid'))).toBe('the content-length is invalid');
  });
});

describe('headers', () => {
  it('drops hop-by-hop, Connection-named, credential and x-jitgate headers; sets host and the bearer; keeps repeats', () => {
    const raw = [
      'Host',
      'caller.example',
      'Authorization',
      'Bearer jg_x',
      'Proxy-Authorization',
      'Basic x',
      'Proxy-Connection',
      'keep-alive',
      'Connection',
      'keep-alive, X-Hop',
      'X-Hop',
      '1',
      'Keep-Alive',
      'timeout=5',
      'TE',
      'trailers',
      'Trailer',
      'X-T',
      'Upgrade',
      'h2c',
      'Expect',
      '100-continue',
      'X-Jitgate-Grant',
      'g',
      'Accept',
      'a/b',
      'X-Multi',
      '1',
      'X-Multi',
      '2',
      'Transfer-Encoding',
      'chunked',
    ];
    expect(upstreamRequestHeaders(request('POST', '/', raw), 'target.example:8443', 'tok')).toEqual({
      host: 'target.example:8443',
      authorization: 'Bearer tok',
      accept: 'a/b',
      'x-multi': ['1', '2'],
      'transfer-encoding': 'chunked',
    });
    expect(upstreamRequestHeaders(request('GET', '/', ['Content-Length', '3']), 'h', undefined)).toEqual({ host: 'h', 'content-length': '3' });
  });

  it('drops hop-by-hop and x-jitgate headers from responses, keeping repeated Set-Cookie', () => {
    const raw = ['Content-Type', 'text/plain', 'Connection', 'close, X-Private', 'X-Private', 'p', 'Transfer-Encoding', 'chunked', 'X-Jitgate-Error', 'no_grant', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2'];
    expect(downstreamResponseHeaders(raw)).toEqual({ 'content-type': 'text/plain', 'set-cookie': ['a=1', 'b=2'] });
  });
});

describe('relativeLocation', () => {
  it("turns a location on the target's root into a path relative to it", () => {
    expect(relativeLocation('https://storage.googleapis.com/upload/storage/v1/b/x/o?uploadType=resumable&upload_id=abc', 'https://storage.googleapis.com', '')).toBe(
      '/upload/storage/v1/b/x/o?uploadType=resumable&upload_id=abc',
    );
    expect(relativeLocation('https://api.example/v2/items/1', 'https://api.example', '/v2')).toBe('/items/1');
    expect(relativeLocation('https://api.example/v2?x=1', 'https://api.example', '/v2')).toBe('/?x=1');
  });

  it('leaves other origins, paths outside the root and relative locations alone', () => {
    expect(relativeLocation('https://accounts.example/login', 'https://api.example', '')).toBe('https://accounts.example/login');
    expect(relativeLocation('https://api.example/other', 'https://api.example', '/v2')).toBe('https://api.example/other');
    expect(relativeLocation('/already/relative', 'https://api.example', '')).toBe('/already/relative');
  });
});
