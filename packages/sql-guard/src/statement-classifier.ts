import { isDangerousFunction, SIDE_EFFECT_FUNCTIONS } from './dangerous-functions.js';
import { classifyNode } from './statement-kind.classifier.js';
import { isObj, nameList, ROLE_SETTINGS, str, type Obj } from './parse-tree.util.js';
import { READ_ONLY_CLASSES, STATEMENT_CLASSES, type StatementClass } from './statement-class.js';

/** Everything a statement's tree walk collects. */
export interface StatementFacts {
  command: string | undefined;
  readonly classes: Set<StatementClass>;
  readonly tables: Set<string>;
  readonly functions: Set<string>;
  readonly cteNames: Set<string>;
}

export interface ClassifiedStatement {
  readonly command: string;
  readonly classes: StatementClass[];
  readonly readOnly: boolean;
  readonly tables: string[];
  readonly functions: string[];
}

/**
 * Classifies one top-level parse-tree entry (`{ SelectStmt: {…} }`). The walk is iterative
 * (an explicit stack), so a left-deep tree from `select 1+1+1…` of any depth cannot overflow
 * the JS stack. Statement nodes nested anywhere (data-modifying CTEs, COPY (query), PREPARE
 * and EXPLAIN ANALYZE bodies, subqueries) are classified too and their classes merged.
 */
export function classifyStatement(stmt: Obj): ClassifiedStatement {
  const facts: StatementFacts = {
    command: undefined,
    classes: new Set(),
    tables: new Set(),
    functions: new Set(),
    cteNames: new Set(),
  };
  // 'execute': nested statements run and are classified; 'plan': plain EXPLAIN, the inner
  // statement is only planned — its functions and tables are still collected.
  const stack: Array<[unknown, 'execute' | 'plan']> = [[stmt, 'execute']];
  while (stack.length > 0) {
    const [value, mode] = stack.pop()!;
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push([value[i], mode]);
      continue;
    }
    if (!isObj(value)) continue;
    if (typeof value['relname'] === 'string') facts.tables.add(rangeVarName(value));
    // Keys are pushed in reverse so that the walk visits them in source order.
    const keys = Object.keys(value);
    for (let k = keys.length - 1; k >= 0; k--) {
      const key = keys[k]!;
      const child = value[key];
      if (!isObj(child) && !Array.isArray(child)) continue;
      let childMode = mode;
      // CallStmt holds its FuncCall bare, in the `funccall` field.
      if (isObj(child) && key === 'funccall') recordFunction(child, facts);
      else if (isObj(child) && isNodeName(key)) {
        if (key === 'FuncCall') recordFunction(child, facts);
        else if (key === 'CommonTableExpr') {
          const name = str(child['ctename']);
          if (name !== undefined) facts.cteNames.add(name);
        } else if (key.endsWith('Stmt') && mode === 'execute') {
          childMode = classifyNode(key, child, facts);
        }
      }
      stack.push([child, childMode]);
    }
  }
  if (facts.classes.size === 0) facts.classes.add('other');
  const classes = STATEMENT_CLASSES.filter((c) => facts.classes.has(c));
  const readOnly = classes.every((c) => READ_ONLY_CLASSES.has(c));
  const tables = [...facts.tables].filter((t) => !facts.cteNames.has(t));
  return { command: facts.command ?? 'UNKNOWN', classes, readOnly, tables, functions: [...facts.functions] };
}

/** Parse-tree node names are PascalCase keys (`SelectStmt`, `FuncCall`); fields are not. */
function isNodeName(key: string): boolean {
  const c = key.charCodeAt(0);
  return c >= 65 && c <= 90;
}

function rangeVarName(rv: Obj): string {
  return [str(rv['catalogname']), str(rv['schemaname']), str(rv['relname'])].filter((p) => p !== undefined).join('.');
}

function recordFunction(call: Obj, facts: StatementFacts): void {
  const parts = nameList(call['funcname']).map((p) => p.toLowerCase());
  const last = parts[parts.length - 1];
  if (last === undefined) return;
  facts.functions.add(parts.join('.'));
  if (isDangerousFunction(last)) facts.classes.add('dangerous_function');
  if (SIDE_EFFECT_FUNCTIONS.has(last)) facts.classes.add('side_effect_function');
  if (last === 'set_config') {
    // set_config('role' | 'session_authorization', …) is SET ROLE by another name; a setting
    // name that is not a literal could be either, so it counts as set_role too.
    const args = Array.isArray(call['args']) ? call['args'] : [];
    const setting = constString(args[0]);
    if (setting === undefined || ROLE_SETTINGS.has(setting.toLowerCase().trim())) facts.classes.add('set_role');
  }
}

function constString(node: unknown): string | undefined {
  if (!isObj(node)) return undefined;
  if (isObj(node['TypeCast'])) return constString(node['TypeCast']['arg']);
  const c = node['A_Const'];
  if (!isObj(c) || !isObj(c['sval'])) return undefined;
  return str(c['sval']['sval']) ?? '';
}

