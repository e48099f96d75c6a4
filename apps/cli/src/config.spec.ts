import { describe, expect, it } from 'vitest';
import { loadConfig, parseHostPort, parsePort, requireToken } from './config.js';

describe('loadConfig', () => {
  it('defaults to localhost:8080 and its host on 8444', () => {
    const config = loadConfig({});
    expect(config.apiUrl.href).toBe('http://localhost:8080/');
    expect(config.proxy).toEqual({ host: 'localhost', port: 8444 });
    expect(config.token).toBeUndefined();
  });

  it('derives the listener from JITGATE_URL, IPv6 included', () => {
    expect(loadConfig({ JITGATE_URL: 'https://gw.example.com' }).proxy).toEqual({ host: 'gw.example.com', port: 8444 });
    expect(loadConfig({ JITGATE_URL: 'http://[::1]:8080' }).proxy).toEqual({ host: '::1', port: 8444 });
  });

  it('derives the HTTP port from JITGATE_URL, or takes a URL or host:port', () => {
    expect(loadConfig({ JITGATE_URL: 'https://gw.example.com' }).httpProxy.href).toBe('http://gw.example.com:8480/');
    expect(loadConfig({ JITGATE_URL: 'http://[::1]:8080' }).httpProxy.href).toBe('http://[::1]:8480/');
    expect(loadConfig({ JITGATE_HTTP_PROXY: 'https://h.example:9443' }).httpProxy.href).toBe('https://h.example:9443/');
    expect(loadConfig({ JITGATE_HTTP_PROXY: 'h:1' }, { httpProxy: 'k:2' }).httpProxy.href).toBe('http://k:2/');
    expect(() => loadConfig({ JITGATE_HTTP_PROXY: 'http://h:1/c/x' })).toThrow(/JITGATE_HTTP_PROXY must be the gateway's HTTP port without a path/);
    expect(() => loadConfig({}, { httpProxy: 'nohost' })).toThrow(/--http-proxy must be host:port/);
  });

  it('takes flags over the environment', () => {
    const config = loadConfig({ JITGATE_URL: 'http://a:1', JITGATE_PROXY: 'b:2', JITGATE_TOKEN: ' jg_x ' }, { url: 'http://c:3', proxy: 'd:4' });
    expect(config.apiUrl.origin).toBe('http://c:3');
    expect(config.proxy).toEqual({ host: 'd', port: 4 });
    expect(config.token).toBe('jg_x');
  });

  it.each([
    [{ JITGATE_URL: 'not a url' }, /JITGATE_URL is not a URL/],
    [{ JITGATE_URL: 'ftp://x' }, /must be an http/],
    [{ JITGATE_URL: 'http://u:p@x' }, /must not carry credentials/],
    [{ JITGATE_PROXY: 'x' }, /JITGATE_PROXY must be host:port/],
    [{ JITGATE_PROXY: 'x:0' }, /JITGATE_PROXY must be host:port/],
  ])('refuses %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
});

describe('requireToken', () => {
  it('asks for a token and never echoes a bad one', () => {
    expect(() => requireToken(loadConfig({}))).toThrow(/no token: set JITGATE_TOKEN/);
    const attempt = () => requireToken(loadConfig({ JITGATE_TOKEN: 'jg_a b' }));
    expect(attempt).toThrow(/one word of visible ASCII/);
    expect(attempt).not.toThrow('jg_a b');
  });
});

describe('parseHostPort / parsePort', () => {
  it.each([
    ['gw:8444', { host: 'gw', port: 8444 }],
    ['10.0.0.1:1', { host: '10.0.0.1', port: 1 }],
    ['[fe80::1]:65535', { host: 'fe80::1', port: 65535 }],
  ])('%s', (text, expected) => expect(parseHostPort(text, '--proxy')).toEqual(expected));

  it('allows port 0 only where asked', () => {
    expect(parsePort('0', '--port', { allowZero: true })).toBe(0);
    expect(() => parsePort('0', '--port', { allowZero: false })).toThrow(/--port must be a port number/);
    expect(() => parsePort('65536', '--port', { allowZero: true })).toThrow();
    expect(() => parsePort('8o', '--port', { allowZero: true })).toThrow();
  });
});
