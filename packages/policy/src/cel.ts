/**
 * CEL conditions on @bufbuild/cel 0.6.1. The package exposes `parse` (throws on bad syntax)
 * and `plan` (returns a function that never throws: it yields a value or a CelError). It ships
 * no public type checker, so "must be a bool" is checked by a trial run on sample input at
 * parse time, and again on every evaluation (a non-bool result counts as an error).
 */
import { celEnv, isCelError, parse, plan, type CelInput } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import type { EvaluationInput } from './types.js';

// One environment for every condition: the standard library plus the strings extension
// (lowerAscii, split, …). Conditions never get any other function, so they stay pure.
const env = celEnv({ funcs: strings });

type CelExpr = ReturnType<typeof parse>['expr'];
export type CelBindings = Record<string, CelInput>;
export type CelProgram = (bindings: CelBindings) => ReturnType<ReturnType<typeof plan>>;

export const CEL_VARIABLES = ['identity', 'connection', 'request', 'now'] as const;
export const MAX_CONDITION_LENGTH = 4096;

// Identifiers an expression may use besides the variables: CEL's type denotations
// (`type(x) == string`) and the root of fully qualified names such as google.protobuf.Timestamp.
const TYPE_IDENTIFIERS = new Set(['bool', 'int', 'uint', 'double', 'string', 'bytes', 'list', 'map', 'null_type', 'type', 'dyn', 'google']);

export type CompileResult = { ok: true; program: CelProgram } | { ok: false; message: string };

/**
 * Parses and plans a condition, and rejects the mistakes that would otherwise make a rule
 * silently never (or always) apply: syntax errors, unknown variables, non-bool results.
 */
export function compileCondition(source: string): CompileResult {
  let expr: CelExpr;
  try {
    expr = parse(source).expr;
  } catch (e: unknown) {
    return { ok: false, message: `invalid CEL: ${shorten(errorMessage(e))}` };
  }
  const unknown = [...unknownIdentifiers(expr, new Set())];
  if (unknown.length > 0) {
    return {
      ok: false,
      message: `unknown variable ${unknown.map((u) => `"${u}"`).join(', ')}: conditions can use ${CEL_VARIABLES.join(', ')}`,
    };
  }
  let program: CelProgram;
  try {
    program = plan(env, expr);
  } catch (e: unknown) {
    return { ok: false, message: `invalid CEL: ${shorten(errorMessage(e))}` };
  }
  // A trial run can only prove a non-bool result; an error here usually means the sample lacks
  // an attribute or label the expression reads, which is fine at parse time.
  const trial = program(SAMPLE_BINDINGS);
  if (!isCelError(trial) && typeof trial !== 'boolean') {
    return { ok: false, message: `condition must evaluate to a bool, not ${describe(trial)}` };
  }
  return { ok: true, program };
}

export type ConditionOutcome = { ok: true; value: boolean } | { ok: false; message: string };

/** Runs a compiled condition. Never throws: errors and non-bool results come back as `ok: false`. */
export function runCondition(program: CelProgram, bindings: CelBindings): ConditionOutcome {
  try {
    const result = program(bindings);
    if (isCelError(result)) return { ok: false, message: shorten(result.message) };
    if (typeof result !== 'boolean') {
      return { ok: false, message: `condition returned ${describe(result)}, not a bool` };
    }
    return { ok: true, value: result };
  } catch (e: unknown) {
    return { ok: false, message: shorten(errorMessage(e)) };
  }
}

/** The CEL variables for one evaluation; see README.md "CEL conditions" for the shapes. */
export function buildBindings(input: EvaluationInput): CelBindings {
  const { identity, connection, request } = input;
  return {
    identity: new Map<string, CelInput>([
      ['id', identity.id],
      ['subject', identity.subject],
      ['kind', identity.kind],
      ['groups', identity.groups.filter((g) => typeof g === 'string')],
      ['attributes', toCelMap(identity.attributes, 0)],
    ]),
    connection: new Map<string, CelInput>([
      ['name', connection.name],
      ['type', connection.type],
      ['labels', toCelMap(connection.labels, 0)],
    ]),
    request: new Map<string, CelInput>([
      ['durationSeconds', BigInt(request.durationSeconds)],
      ['reason', request.reason],
      ['scope', request.scope ?? ''],
      ['startAt', request.startAt === null ? null : timestamp(request.startAt)],
    ]),
    now: timestamp(input.now),
  };
}

const SAMPLE_BINDINGS: CelBindings = buildBindings({
  identity: { id: 'sample', subject: 'sample', kind: 'human', groups: [], attributes: {} },
  connection: { name: 'sample', type: 'postgres', labels: {} },
  request: { durationSeconds: 3600, reason: '', scope: null, startAt: null },
  now: new Date(0),
  recentRequests: [],
});

// Attributes come from identity providers as arbitrary JSON. Map them to CEL values
// explicitly (safe integers become `int`, so `attributes.level + 1` works) and drop what
// CEL cannot represent, instead of letting the evaluator choke on it.
const MAX_DEPTH = 8;

function toCelValue(value: unknown, depth: number): CelInput | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'bigint':
      return value;
    case 'number':
      if (Number.isSafeInteger(value)) return BigInt(value);
      return Number.isFinite(value) ? value : undefined;
    case 'object':
      if (value === null) return null;
      if (depth >= MAX_DEPTH) return undefined;
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : timestamp(value);
      if (Array.isArray(value)) {
        const items: CelInput[] = [];
        for (const item of value as unknown[]) {
          const converted = toCelValue(item, depth + 1);
          if (converted !== undefined) items.push(converted);
        }
        return items;
      }
      return isPlainObject(value) ? toCelMap(value, depth + 1) : undefined;
    default:
      return undefined;
  }
}

function toCelMap(record: object, depth: number): Map<string, CelInput> {
  const map = new Map<string, CelInput>();
  for (const [key, raw] of Object.entries(record)) {
    const converted = toCelValue(raw, depth);
    if (converted !== undefined) map.set(key, converted);
  }
  return map;
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A google.protobuf.Timestamp message, which @bufbuild/cel maps to the CEL timestamp type. */
function timestamp(date: Date): CelInput {
  const ms = date.getTime();
  const seconds = Math.floor(ms / 1000);
  return { $typeName: 'google.protobuf.Timestamp', seconds: BigInt(seconds), nanos: (ms - seconds * 1000) * 1_000_000 };
}

/** Free identifiers of an expression that are neither variables, type names nor loop variables. */
function unknownIdentifiers(expr: CelExpr | undefined, bound: ReadonlySet<string>, out = new Set<string>()): Set<string> {
  if (expr === undefined) return out;
  const kind = expr.exprKind;
  switch (kind.case) {
    case 'identExpr': {
      const name = kind.value.name;
      const known = (CEL_VARIABLES as readonly string[]).includes(name) || TYPE_IDENTIFIERS.has(name) || bound.has(name);
      if (!known) out.add(name);
      return out;
    }
    case 'selectExpr':
      return unknownIdentifiers(kind.value.operand, bound, out);
    case 'callExpr':
      unknownIdentifiers(kind.value.target, bound, out);
      for (const arg of kind.value.args) unknownIdentifiers(arg, bound, out);
      return out;
    case 'listExpr':
      for (const el of kind.value.elements) unknownIdentifiers(el, bound, out);
      return out;
    case 'structExpr':
      for (const entry of kind.value.entries) {
        if (entry.keyKind.case === 'mapKey') unknownIdentifiers(entry.keyKind.value, bound, out);
        unknownIdentifiers(entry.value, bound, out);
      }
      return out;
    case 'comprehensionExpr': {
      const c = kind.value;
      unknownIdentifiers(c.iterRange, bound, out);
      unknownIdentifiers(c.accuInit, bound, out);
      const inner = new Set([...bound, c.iterVar, c.iterVar2, c.accuVar].filter((v) => v !== ''));
      unknownIdentifiers(c.loopCondition, inner, out);
      unknownIdentifiers(c.loopStep, inner, out);
      unknownIdentifiers(c.result, inner, out);
      return out;
    }
    default:
      return out;
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'bigint') return 'an int';
  if (typeof value === 'number') return 'a double';
  if (typeof value === 'string') return 'a string';
  return 'a non-bool value';
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function shorten(message: string): string {
  return message.length > 200 ? `${message.slice(0, 197)}...` : message;
}
