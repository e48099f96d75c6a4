import { describe, expect, it } from 'vitest';
import { buildBindings, compileCondition, runCondition, type CelProgram } from './cel.js';
import type { EvaluationInput } from './types.js';

const input: EvaluationInput = {
  identity: {
    id: 'id-1',
    subject: 'Alice@Corp.com',
    kind: 'human',
    groups: ['eng', 'dba'],
    attributes: {
      team: 'payments',
      level: 3,
      ratio: 0.5,
      admin: true,
      regions: ['eu', 'us'],
      manager: { name: 'bob' },
      hired: new Date('2020-01-01T00:00:00Z'),
      callback: () => 1,
      huge: 2 ** 60,
      notANumber: Number.NaN,
      nothing: null,
    },
  },
  connection: { name: 'prod-orders', type: 'postgres', labels: { env: 'prod' } },
  request: { durationSeconds: 5400, reason: 'INC-42 outage', scope: null, startAt: null },
  now: new Date('2024-05-01T10:30:00.250Z'),
  recentRequests: [],
};

function program(source: string): CelProgram {
  const compiled = compileCondition(source);
  if (!compiled.ok) throw new Error(`expected ${source} to compile: ${compiled.message}`);
  return compiled.program;
}

function run(source: string, over: Partial<EvaluationInput> = {}) {
  return runCondition(program(source), buildBindings({ ...input, ...over }));
}

describe('compileCondition', () => {
  it.each([
    "identity.kind == 'human'",
    "'dba' in identity.groups",
    "identity.groups.exists(g, g.startsWith('db'))",
    "identity.groups.all(g, size(g) > 1) && connection.labels.exists(k, k == 'env')",
    '[1, 2].map(x, x * 2).size() == 2',
    "has(identity.attributes.team) && identity.attributes.team == 'payments'",
    'type(request.durationSeconds) == int',
    "identity.subject.lowerAscii().endsWith('@corp.com')",
    "now > timestamp('2024-01-01T00:00:00Z')",
    "request.durationSeconds <= duration('2h').getSeconds()",
    "request.reason.matches('^INC-[0-9]+')",
    "{'a': true}['a']",
    'request.startAt == null || request.startAt > now',
    'true',
  ])('accepts %s', (source) => {
    expect(compileCondition(source)).toMatchObject({ ok: true });
  });

  it.each<[string, string, RegExp]>([
    ['a syntax error', 'identity.kind ==', /^invalid CEL: /],
    ['an unclosed string', "identity.kind == 'human", /^invalid CEL: /],
    ['an unknown variable', "user.kind == 'human'", /unknown variable "user"/],
    ['a misspelt variable', "identiy.kind == 'human'", /unknown variable "identiy"/],
    ['a loop variable used outside its loop', "identity.groups.exists(g, true) && g == 'x'", /unknown variable "g"/],
    ['a string result', "'yes'", /must evaluate to a bool, not a string/],
    ['an int result', 'request.durationSeconds + 1', /must evaluate to a bool, not an int/],
    ['a double result', '1.5', /not a double/],
    ['a null result', 'null', /not null/],
    ['a list result', 'identity.groups', /must evaluate to a bool/],
  ])('rejects %s', (_label, source, message) => {
    const compiled = compileCondition(source);
    expect(compiled.ok).toBe(false);
    expect(compiled.ok ? '' : compiled.message).toMatch(message);
  });

  it('accepts an expression that only fails on the sample input (an attribute it reads is absent)', () => {
    expect(compileCondition('identity.attributes.clearance > 2')).toMatchObject({ ok: true });
  });
});

describe('CEL variables', () => {
  it.each<[string, string]>([
    ['identity.id', "identity.id == 'id-1'"],
    ['identity.subject', "identity.subject == 'Alice@Corp.com'"],
    ['identity.kind', "identity.kind == 'human'"],
    ['identity.groups is a list', "identity.groups == ['eng', 'dba']"],
    ['a string attribute', "identity.attributes.team == 'payments'"],
    ['an integer attribute is an int', 'identity.attributes.level + 1 == 4'],
    ['a fractional attribute is a double', 'identity.attributes.ratio == 0.5'],
    ['a boolean attribute', 'identity.attributes.admin'],
    ['a list attribute', "'us' in identity.attributes.regions"],
    ['a nested attribute is a map', "identity.attributes.manager.name == 'bob'"],
    ['a Date attribute is a timestamp', "identity.attributes.hired < timestamp('2021-01-01T00:00:00Z')"],
    ['an unsafe integer is a double', 'type(identity.attributes.huge) == double'],
    ['a null attribute is null', 'identity.attributes.nothing == null'],
    ['a function attribute is dropped', '!has(identity.attributes.callback)'],
    ['a NaN attribute is dropped', '!has(identity.attributes.notANumber)'],
    ['connection.name', "connection.name == 'prod-orders'"],
    ['connection.type', "connection.type == 'postgres'"],
    ['connection.labels', "connection.labels.env == 'prod'"],
    ['request.durationSeconds is an int', 'request.durationSeconds == 5400 && type(request.durationSeconds) == int'],
    ['request.reason', "request.reason.startsWith('INC-')"],
    ['request.scope is "" when null', "request.scope == ''"],
    ['request.startAt is null when absent', 'request.startAt == null'],
    ['now is a timestamp', "now == timestamp('2024-05-01T10:30:00.250Z')"],
    ['now keeps milliseconds', 'now.getMilliseconds() == 250'],
    ['now hours are UTC by default', 'now.getHours() == 10'],
    ['now hours in a time zone', "now.getHours('Europe/Paris') == 12"],
    ['now day of week (Wednesday = 3)', 'now.getDayOfWeek() == 3'],
  ])('%s', (_label, source) => {
    expect(run(source)).toEqual({ ok: true, value: true });
  });

  it('exposes the scope and startAt when present', () => {
    const request = { ...input.request, scope: 'read', startAt: new Date('2024-05-01T12:00:00Z') };
    expect(run("request.scope == 'read' && request.startAt - now > duration('1h')", { request })).toEqual({ ok: true, value: true });
  });

  it('converts a timestamp before 1970 correctly', () => {
    const now = new Date('1969-12-31T23:59:59.500Z');
    expect(run("now == timestamp('1969-12-31T23:59:59.500Z')", { now })).toEqual({ ok: true, value: true });
  });
});

describe('runCondition', () => {
  it.each<[string, string, RegExp]>([
    ['a missing attribute', "identity.attributes.office == 'paris'", /office/],
    ['a division by zero', 'request.durationSeconds / 0 == 1', /divide by zero/],
    ['a type mismatch', 'identity.attributes.ratio + 1 > 0.0', /overload/],
    ['a null compared to a timestamp', 'request.startAt > now', /overload/],
    ['a non-bool at run time', "identity.attributes.admin ? 'x' : true", /not a bool/],
  ])('reports %s as an error', (_label, source, message) => {
    const outcome = run(source);
    expect(outcome.ok).toBe(false);
    expect(outcome.ok ? '' : outcome.message).toMatch(message);
  });

  it('returns false as a value, not an error', () => {
    expect(run("identity.kind == 'service'")).toEqual({ ok: true, value: false });
  });

  it('does not throw on bindings the evaluator cannot represent', () => {
    const bad = { identity: Object.create(null) as never };
    expect(runCondition(program("identity.kind == 'human'"), bad).ok).toBe(false);
  });
});
