// A constant-true WHERE counts as no WHERE (update_without_where, delete_without_where).
//
// Whether a condition holds for every row is undecidable in general, so this is a rule, not a
// proof, and it errs towards "unrestricted": a WHERE (outside its sublinks) that names no column
// of the statement's target is unrestricted; an OR is unrestricted if any arm is, an AND if every
// arm is, a NOT if its arm may be always false; a comparison of an expression with itself is
// unrestricted. `WHERE id > 0 OR id <= 0` passes the rule; the database role is the guarantee.
// Pinned by where-restriction.spec.ts; README.md "A constant-true WHERE".
import { isObj, str, type Obj } from './parse-tree.util.js';

/** The relation an UPDATE, DELETE or MERGE changes, as its columns may be written. */
export interface Target {
  /** The qualifiers that name it: its alias, or its name with and without schema. */
  readonly qualifiers: readonly string[];
  /** No other relation is in scope (no FROM, USING or MERGE source): a bare column is its. */
  readonly alone: boolean;
}

/** Nesting of AND/OR/NOT/IS TRUE read before giving up (as unrestricted: fail closed). */
const MAX_DEPTH = 100;

export function targetOf(relation: unknown, alone: boolean): Target {
  const rv = isObj(relation) ? relation : {};
  const alias = isObj(rv['alias']) ? str(rv['alias']['aliasname']) : undefined;
  const name = str(rv['relname']);
  const schema = str(rv['schemaname']);
  const catalog = str(rv['catalogname']);
  const qualifiers: string[] = [];
  if (alias !== undefined) qualifiers.push(alias);
  else if (name !== undefined) {
    qualifiers.push(name);
    if (schema !== undefined) qualifiers.push(`${schema}.${name}`);
    if (schema !== undefined && catalog !== undefined) qualifiers.push(`${catalog}.${schema}.${name}`);
  }
  return { qualifiers, alone };
}

/** True when `where` (undefined: none) may hold for every row of `target`, by the rule above. */
export function isUnrestricted(where: unknown, target: Target): boolean {
  return where === undefined || constancy(where, target, 0).mayBeAllTrue;
}

/**
 * MERGE's UPDATE and DELETE actions that may reach every row of the target: a WHEN MATCHED
 * action is restricted by the join condition and its own; a WHEN NOT MATCHED BY SOURCE action
 * (target rows that no source row matched) by its own condition only. A MERGE always has a
 * source, so a bare column is not the target's.
 */
export function unrestrictedMergeActions(merge: Obj): Array<'CMD_UPDATE' | 'CMD_DELETE'> {
  const target = targetOf(merge['relation'], false);
  const joinUnrestricted = isUnrestricted(merge['joinCondition'], target);
  const clauses = Array.isArray(merge['mergeWhenClauses']) ? merge['mergeWhenClauses'] : [];
  const actions: Array<'CMD_UPDATE' | 'CMD_DELETE'> = [];
  for (const c of clauses) {
    const w = isObj(c) && isObj(c['MergeWhenClause']) ? c['MergeWhenClause'] : undefined;
    const cmd = w?.['commandType'];
    if (w === undefined || (cmd !== 'CMD_UPDATE' && cmd !== 'CMD_DELETE')) continue;
    const matched = w['matchKind'] === 'MERGE_WHEN_MATCHED' || w['matched'] === true;
    if (isUnrestricted(w['condition'], target) && (!matched || joinUnrestricted)) actions.push(cmd);
  }
  return actions;
}

interface Constancy {
  /** May hold for every row. */
  readonly mayBeAllTrue: boolean;
  /** May fail for every row (false or null). */
  readonly mayBeAllFalse: boolean;
}

const EITHER: Constancy = { mayBeAllTrue: true, mayBeAllFalse: true };
const RESTRICTS: Constancy = { mayBeAllTrue: false, mayBeAllFalse: false };

function constancy(e: unknown, target: Target, depth: number): Constancy {
  if (depth > MAX_DEPTH || !isObj(e)) return EITHER;
  // WHERE CURRENT OF names one row, through a cursor.
  if (isObj(e['CurrentOfExpr'])) return RESTRICTS;
  if (!namesTargetColumn(e, target)) return EITHER;
  const b = e['BoolExpr'];
  if (isObj(b)) {
    const args = Array.isArray(b['args']) ? b['args'] : [];
    const parts = args.map((a) => constancy(a, target, depth + 1));
    switch (b['boolop']) {
      case 'AND_EXPR':
        return { mayBeAllTrue: parts.every((p) => p.mayBeAllTrue), mayBeAllFalse: parts.some((p) => p.mayBeAllFalse) };
      case 'OR_EXPR':
        return { mayBeAllTrue: parts.some((p) => p.mayBeAllTrue), mayBeAllFalse: parts.every((p) => p.mayBeAllFalse) };
      case 'NOT_EXPR': {
        const inner = parts[0] ?? EITHER;
        return { mayBeAllTrue: inner.mayBeAllFalse, mayBeAllFalse: inner.mayBeAllTrue };
      }
      default:
        return EITHER;
    }
  }
  const t = e['BooleanTest'];
  if (isObj(t)) {
    const inner = constancy(t['arg'], target, depth + 1);
    switch (t['booltesttype']) {
      case 'IS_TRUE':
      case 'IS_NOT_FALSE':
        return inner;
      case 'IS_FALSE':
      case 'IS_NOT_TRUE':
        return { mayBeAllTrue: inner.mayBeAllFalse, mayBeAllFalse: inner.mayBeAllTrue };
      default:
        return EITHER;
    }
  }
  if (isObj(e['TypeCast'])) return constancy(e['TypeCast']['arg'], target, depth + 1);
  return comparesWithItself(e, target) ? EITHER : RESTRICTS;
}

/** Whether a column of the target is named outside sublinks. Iterative: trees can be deep. */
function namesTargetColumn(e: Obj, target: Target): boolean {
  const stack: unknown[] = [e];
  while (stack.length > 0) {
    const value = stack.pop();
    if (Array.isArray(value)) {
      for (const v of value) stack.push(v);
      continue;
    }
    if (!isObj(value)) continue;
    for (const key in value) {
      const child = value[key];
      if (key === 'ColumnRef' && isObj(child) && isTargetColumn(child['fields'], target)) return true;
      // A sublink's own query is its own scope; its test expression (`id IN (…)`) is ours.
      if (key === 'SubLink' && isObj(child)) stack.push(child['testexpr']);
      else if (isObj(child) || Array.isArray(child)) stack.push(child);
    }
  }
  return false;
}

function fieldNames(fields: unknown): string[] {
  if (!Array.isArray(fields)) return [];
  return fields.map((f) => (isObj(f) && isObj(f['String']) ? (str(f['String']['sval']) ?? '') : '*'));
}

function isTargetColumn(fields: unknown, target: Target): boolean {
  if (!Array.isArray(fields) || fields.length === 0) return false;
  if (fields.length === 1) return target.alone;
  return target.qualifiers.includes(fieldNames(fields.slice(0, -1)).join('.'));
}

function comparesWithItself(e: Obj, target: Target): boolean {
  const x = e['A_Expr'];
  if (!isObj(x) || x['lexpr'] === undefined) return false;
  const left = x['lexpr'];
  switch (x['kind']) {
    case 'AEXPR_OP':
    case 'AEXPR_DISTINCT':
    case 'AEXPR_NOT_DISTINCT':
      return sameExpression(left, x['rexpr'], target);
    case 'AEXPR_IN': {
      const list = isObj(x['rexpr']) && isObj(x['rexpr']['List']) ? x['rexpr']['List']['items'] : x['rexpr'];
      return Array.isArray(list) && list.some((item) => sameExpression(left, item, target));
    }
    default:
      return false;
  }
}

/** Nodes of different kinds (`aid = $2`: a column and a parameter) differ without writing them out. */
function sameExpression(a: unknown, b: unknown, target: Target): boolean {
  if (!isObj(a) || !isObj(b)) return false;
  if (nodeKind(a) !== nodeKind(b)) return false;
  return canonical(a, target) === canonical(b, target);
}

function nodeKind(node: Obj): string | undefined {
  for (const key in node) return key;
  return undefined;
}

const SELF = '\u0000self';

/**
 * An expression's text for comparison: positions left out, the target's columns written one
 * way (`t.id` and `id` alike), and integer constants all alike — the shape cache
 * (numeric-shape.ts) shares one analysis between texts that differ only in their integers, so
 * no verdict may depend on one (comparing `id + 1` with `id + 2` as equal fails closed).
 */
function canonical(node: unknown, target: Target): string | undefined {
  if (node === undefined) return undefined;
  try {
    return JSON.stringify(node, (key: string, value: unknown) => {
      if (key === 'location' || key.endsWith('_location') || key.endsWith('list_start') || key.endsWith('list_end')) return undefined;
      if (!isObj(value)) return value;
      const ref = value['ColumnRef'];
      if (isObj(ref)) {
        const names = fieldNames(ref['fields']);
        return { ColumnRef: isTargetColumn(ref['fields'], target) ? `target.${names[names.length - 1]}` : names.join('.') };
      }
      const constant = value['A_Const'];
      if (isObj(constant) && 'ival' in constant) return { A_Const: 'integer' };
      return value;
    });
  } catch {
    // Too deep to write out: count it as compared with itself (fail closed).
    return SELF;
  }
}
