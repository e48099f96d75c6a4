import { describe, expect, it } from 'vitest';
import { httpRoutePath, parseHttpRoute } from './http-route.js';

describe('the HTTP route /c/<connection>/<target>', () => {
  it('round-trips: what jitgate connect builds, the gateway parses', () => {
    for (const target of ['/', '/v1/projects?x=1', '/bigquery/v2/projects/p/queries']) {
      expect(parseHttpRoute(httpRoutePath('bq-prod', target))).toEqual({ connection: 'bq-prod', target });
    }
  });

  it.each([
    ['/c/api', { connection: 'api', target: '/' }],
    ['/c/api?x=1', { connection: 'api', target: '/?x=1' }],
    ['/c/api/v1', { connection: 'api', target: '/v1' }],
  ])('reads %j', (url, route) => {
    expect(parseHttpRoute(url)).toEqual(route);
  });

  it.each([undefined, '', '/', '/c/', '/c/API/x', '/c/api%2Fx', '/x/api', 'http://evil/c/api', '/c/-api'])('is not a route: %j', (url) => {
    expect(parseHttpRoute(url)).toBeNull();
  });
});
