import { isDangerousFunction, SIDE_EFFECT_FUNCTIONS } from './dangerous-functions.js';
import { functionClasses } from './function-classes.js';
import { isReadOnlyFunction, isReadOnlyOperator } from './read-only-functions.js';
import { constString, recordSetConfig, type SettingsFacts } from './session-settings.js';
import { classifyNode } from './statement-kind.classifier.js';
import { kindCommand, READ_KINDS } from './statement-kind.names.js';
import { isObj, nameList, ROLE_SETTINGS, str, type Obj } from './parse-tree.util.js';
import { READ_ONLY_CLASSES, STATEMENT_CLASSES, type StatementClass } from './statement-class.js';

/** Everything a statement's tree walk collects. */
export interface StatementFacts extends SettingsFacts {
  command: string | undefined;
  readonly classes: Set<StatementClass>;
  readonly tables: Set<string>;
  readonly functions: Set<string>;
  readonly cteNames: Set<string>;
  /**
   * What is off the read-only allow-lists, in the words of notReadOnly (`statement DELETE`,
   * `function f`, `operator ###`); created on the first entry, as most statements have none.
   */
  offList: string[] | undefined;
}

export interface ClassifiedStatement {
  readonly command: string;
  readonly classes: StatementClass[];
  readonly readOnly: boolean;
  readonly notReadOnly: string[];
  readonly tables: string[];
  readonly functions: string[];
  readonly settings: string[];
  readonly readWrite: boolean;
}

/** A_Expr kinds whose `name` is an operator that runs a function (BETWEEN's is a keyword). */
const OPERATOR_EXPRS: ReadonlySet<string> = new Set([
  'AEXPR_OP',
  'AEXPR_OP_ANY',
  'AEXPR_OP_ALL',
  'AEXPR_DISTINCT',
  'AEXPR_NOT_DISTINCT',
  'AEXPR_NULLIF',
  'AEXPR_IN',
  'AEXPR_LIKE',
  'AEXPR_ILIKE',
  'AEXPR_SIMILAR',
]);

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
    settings: undefined,
    readWrite: false,
    offList: undefined,
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
        else if (key === 'A_Expr') {
          if (OPERATOR_EXPRS.has(str(child['kind']) ?? '')) recordOperator(child['name'], facts);
        } else if (key === 'SubLink') recordOperator(child['operName'], facts);
        else if (key === 'SortBy') recordOperator(child['useOp'], facts);
        else if (key === 'CommonTableExpr') {
          const name = str(child['ctename']);
          if (name !== undefined) facts.cteNames.add(name);
        } else if (key.endsWith('Stmt') && mode === 'execute') {
          if (!READ_KINDS.has(key)) offList(facts, kindLabel(key));
          childMode = classifyNode(key, child, facts);
        }
      }
      stack.push([child, childMode]);
    }
  }
  if (facts.classes.size === 0) facts.classes.add('other');
  const classes = STATEMENT_CLASSES.filter((c) => facts.classes.has(c));
  const notReadOnly = notReadOnlyOf(facts, classes);
  const tables = [...facts.tables].filter((t) => !facts.cteNames.has(t));
  return {
    command: facts.command ?? 'UNKNOWN',
    classes,
    readOnly: notReadOnly.length === 0,
    notReadOnly,
    tables,
    functions: [...facts.functions],
    settings: facts.settings === undefined ? NONE : [...facts.settings],
    readWrite: facts.readWrite,
  };
}

const CLASS_LABELS: ReadonlyMap<StatementClass, string> = new Map(STATEMENT_CLASSES.map((c) => [c, `class '${c}'`]));

/** Shared by every statement with nothing to list (frozen: results are frozen anyway). */
const NONE: string[] = Object.freeze([]) as unknown as string[];

/** Statement kinds, functions and operators off the lists (walk order), then classes, then read-write. */
function notReadOnlyOf(facts: StatementFacts, classes: readonly StatementClass[]): string[] {
  const out = facts.offList ?? [];
  for (const c of classes) if (!READ_ONLY_CLASSES.has(c)) out.push(CLASS_LABELS.get(c) ?? c);
  if (facts.readWrite) out.push('read-write transaction');
  return out.length === 0 ? NONE : out;
}

function offList(facts: StatementFacts, entry: string): void {
  const list = (facts.offList ??= []);
  if (!list.includes(entry)) list.push(entry);
}

const kindLabels = new Map<string, string>();

/** `statement DELETE`, made once per node name (a closed set). */
function kindLabel(key: string): string {
  let label = kindLabels.get(key);
  if (label === undefined) kindLabels.set(key, (label = `statement ${kindCommand(key)}`));
  return label;
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
  const written = nameList(call['funcname']);
  const parts = written.map((p) => p.toLowerCase());
  const last = parts[parts.length - 1];
  if (last === undefined) return;
  facts.functions.add(parts.join('.'));
  // The allow-list is matched on the name as written: a quoted "LOWER" is not lower.
  if (!isReadOnlyFunction(written)) offList(facts, `function ${written.join('.')}`);
  if (isDangerousFunction(last)) facts.classes.add('dangerous_function');
  if (SIDE_EFFECT_FUNCTIONS.has(last)) facts.classes.add('side_effect_function');
  for (const c of functionClasses(last)) facts.classes.add(c);
  if (last === 'set_config') {
    // set_config('role' | 'session_authorization', …) is SET ROLE by another name; a setting
    // name that is not a literal could be either, so it counts as set_role too.
    const args = Array.isArray(call['args']) ? call['args'] : [];
    const setting = constString(args[0]);
    if (setting === undefined || ROLE_SETTINGS.has(setting.toLowerCase().trim())) facts.classes.add('set_role');
    recordSetConfig(args, facts);
  }
}

function recordOperator(name: unknown, facts: StatementFacts): void {
  // Most operators are one bare symbol: `=`.
  const only = Array.isArray(name) && name.length === 1 && isObj(name[0]) && isObj(name[0]['String']) ? str(name[0]['String']['sval']) : undefined;
  if (only !== undefined && isReadOnlyOperator([only])) return;
  const parts = nameList(name);
  if (parts.length > 0 && !isReadOnlyOperator(parts)) offList(facts, `operator ${parts.join('.')}`);
}
