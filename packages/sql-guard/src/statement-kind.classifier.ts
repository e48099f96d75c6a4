import { isObj, nameList, ROLE_SETTINGS, str, type Obj } from './parse-tree.util.js';
import type { StatementClass } from './statement-class.js';
import type { StatementFacts } from './statement-classifier.js';

function isAlwaysTrue(where: unknown): boolean {
  if (where === undefined) return true;
  if (!isObj(where) || !isObj(where['A_Const'])) return false;
  const b = where['A_Const']['boolval'];
  return isObj(b) && b['boolval'] === true;
}

function add(facts: StatementFacts, command: string, ...classes: StatementClass[]): void {
  facts.command ??= command;
  for (const c of classes) facts.classes.add(c);
}

const OBJECT_NAMES: Readonly<Record<string, string>> = {
  OBJECT_MATVIEW: 'MATERIALIZED VIEW',
  OBJECT_FDW: 'FOREIGN DATA WRAPPER',
  OBJECT_TSCONFIGURATION: 'TEXT SEARCH CONFIGURATION',
  OBJECT_TSDICTIONARY: 'TEXT SEARCH DICTIONARY',
  OBJECT_TSPARSER: 'TEXT SEARCH PARSER',
  OBJECT_TSTEMPLATE: 'TEXT SEARCH TEMPLATE',
  OBJECT_OPCLASS: 'OPERATOR CLASS',
  OBJECT_OPFAMILY: 'OPERATOR FAMILY',
  OBJECT_TABCONSTRAINT: 'CONSTRAINT',
  OBJECT_STATISTIC_EXT: 'STATISTICS',
  OBJECT_EVENT_TRIGGER: 'EVENT TRIGGER',
};

function objectName(objtype: unknown): string {
  const t = str(objtype);
  if (t === undefined) return 'OBJECT';
  return OBJECT_NAMES[t] ?? t.replace(/^OBJECT_/, '').replace(/_/g, ' ');
}

/** Catalog-changing nodes whose name does not spell their command. */
const DDL_COMMANDS: Readonly<Record<string, string>> = {
  CreateTrigStmt: 'CREATE TRIGGER',
  CreateEventTrigStmt: 'CREATE EVENT TRIGGER',
  AlterEventTrigStmt: 'ALTER EVENT TRIGGER',
  CreateFdwStmt: 'CREATE FOREIGN DATA WRAPPER',
  AlterFdwStmt: 'ALTER FOREIGN DATA WRAPPER',
  CreatePLangStmt: 'CREATE LANGUAGE',
  CreateOpClassStmt: 'CREATE OPERATOR CLASS',
  CreateOpFamilyStmt: 'CREATE OPERATOR FAMILY',
  AlterOpFamilyStmt: 'ALTER OPERATOR FAMILY',
  CreateStatsStmt: 'CREATE STATISTICS',
  AlterStatsStmt: 'ALTER STATISTICS',
  CreateAmStmt: 'CREATE ACCESS METHOD',
  CreateEnumStmt: 'CREATE TYPE',
  CompositeTypeStmt: 'CREATE TYPE',
  CreateRangeStmt: 'CREATE TYPE',
  AlterEnumStmt: 'ALTER TYPE',
  RuleStmt: 'CREATE RULE',
  SecLabelStmt: 'SECURITY LABEL',
  CreateTableSpaceStmt: 'CREATE TABLESPACE',
  AlterTableSpaceOptionsStmt: 'ALTER TABLESPACE',
  DropTableSpaceStmt: 'DROP TABLESPACE',
};

/** `CreateFdwStmt` → `CREATE FDW`: the command tag of a node with no explicit case. */
function fallbackCommand(key: string): string {
  return key
    .replace(/Stmt$/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toUpperCase();
}

const TRANSACTION_COMMANDS: Readonly<Record<string, string>> = {
  TRANS_STMT_BEGIN: 'BEGIN',
  TRANS_STMT_START: 'START TRANSACTION',
  TRANS_STMT_COMMIT: 'COMMIT',
  TRANS_STMT_ROLLBACK: 'ROLLBACK',
  TRANS_STMT_SAVEPOINT: 'SAVEPOINT',
  TRANS_STMT_RELEASE: 'RELEASE',
  TRANS_STMT_ROLLBACK_TO: 'ROLLBACK TO SAVEPOINT',
  TRANS_STMT_PREPARE: 'PREPARE TRANSACTION',
  TRANS_STMT_COMMIT_PREPARED: 'COMMIT PREPARED',
  TRANS_STMT_ROLLBACK_PREPARED: 'ROLLBACK PREPARED',
};

/**
 * Adds the classes of one statement node (not its children) and returns the walk mode for
 * its children. Node kinds without a case fall to the default: `other` (never read-only),
 * except catalog-changing nodes (CreateX, AlterX, DropX, …), which are `ddl`.
 */
export function classifyNode(key: string, n: Obj, facts: StatementFacts): 'execute' | 'plan' {
  switch (key) {
    case 'SelectStmt': {
      if (isObj(n['intoClause'])) add(facts, 'SELECT INTO', 'read', 'ddl');
      else if (Array.isArray(n['valuesLists'])) {
        // A nested VALUES list (INSERT … VALUES) reads nothing; a top-level one is a query.
        if (facts.command === undefined) add(facts, 'VALUES', 'read');
      }
      else add(facts, 'SELECT', 'read');
      // FOR UPDATE/SHARE takes row locks (and needs UPDATE privilege): not read-only.
      if (Array.isArray(n['lockingClause']) && n['lockingClause'].length > 0) facts.classes.add('lock');
      return 'execute';
    }
    case 'InsertStmt': {
      add(facts, 'INSERT', 'write', 'insert');
      const oc = n['onConflictClause'];
      if (isObj(oc) && oc['action'] === 'ONCONFLICT_UPDATE') facts.classes.add('update');
      return 'execute';
    }
    case 'UpdateStmt':
      add(facts, 'UPDATE', 'write', 'update');
      if (isAlwaysTrue(n['whereClause'])) facts.classes.add('update_without_where');
      return 'execute';
    case 'DeleteStmt':
      add(facts, 'DELETE', 'write', 'delete');
      if (isAlwaysTrue(n['whereClause'])) facts.classes.add('delete_without_where');
      return 'execute';
    case 'MergeStmt': {
      add(facts, 'MERGE', 'write', 'merge');
      const clauses = Array.isArray(n['mergeWhenClauses']) ? n['mergeWhenClauses'] : [];
      for (const c of clauses) {
        const w = isObj(c) && isObj(c['MergeWhenClause']) ? c['MergeWhenClause'] : undefined;
        const cmd = w?.['commandType'];
        if (cmd === 'CMD_INSERT') facts.classes.add('insert');
        else if (cmd === 'CMD_UPDATE') facts.classes.add('update');
        else if (cmd === 'CMD_DELETE') facts.classes.add('delete');
      }
      return 'execute';
    }
    case 'TruncateStmt':
      add(facts, 'TRUNCATE', 'write', 'truncate');
      return 'execute';
    case 'CopyStmt': {
      const from = n['is_from'] === true;
      const file = str(n['filename']);
      add(facts, 'COPY', ...(from ? (['write', 'insert'] as const) : (['read'] as const)));
      if (file === undefined) facts.classes.add(from ? 'copy_in' : 'copy_out');
      else if (n['is_program'] === true) facts.classes.add(from ? 'copy_from_program' : 'copy_to_program');
      else facts.classes.add('copy_file');
      return 'execute';
    }
    case 'ExplainStmt': {
      const options = Array.isArray(n['options']) ? n['options'] : [];
      // Any ANALYZE option counts, even `(ANALYZE false)`: fail closed.
      const analyze = options.some((o) => isObj(o) && isObj(o['DefElem']) && o['DefElem']['defname'] === 'analyze');
      add(facts, analyze ? 'EXPLAIN ANALYZE' : 'EXPLAIN', 'explain');
      return analyze ? 'execute' : 'plan';
    }
    case 'PrepareStmt':
      add(facts, 'PREPARE', 'prepare');
      return 'execute';
    case 'ExecuteStmt':
      add(facts, 'EXECUTE', 'execute');
      return 'execute';
    case 'DeallocateStmt':
      add(facts, 'DEALLOCATE', 'prepare');
      return 'execute';
    case 'DeclareCursorStmt':
      add(facts, 'DECLARE CURSOR', 'read');
      return 'execute';
    case 'FetchStmt':
      add(facts, n['ismove'] === true ? 'MOVE' : 'FETCH', 'read');
      return 'execute';
    case 'ClosePortalStmt':
      add(facts, 'CLOSE', 'session');
      return 'execute';
    case 'TransactionStmt':
      add(facts, TRANSACTION_COMMANDS[str(n['kind']) ?? ''] ?? 'TRANSACTION', 'transaction');
      return 'execute';
    case 'VariableSetStmt': {
      const name = (str(n['name']) ?? '').toLowerCase();
      const reset = n['kind'] === 'VAR_RESET' || n['kind'] === 'VAR_RESET_ALL';
      // RESET ALL leaves role and session_authorization alone (GUC_NO_RESET_ALL).
      add(facts, reset ? 'RESET' : 'SET', ROLE_SETTINGS.has(name) ? 'set_role' : 'session');
      return 'execute';
    }
    case 'VariableShowStmt':
      add(facts, 'SHOW', 'session');
      return 'execute';
    case 'DiscardStmt':
      // DISCARD ALL runs SET SESSION AUTHORIZATION DEFAULT and RESET ROLE: it undoes a role
      // the gateway may have set, so it is set_role as well.
      add(facts, 'DISCARD', 'session');
      if (n['target'] === 'DISCARD_ALL') facts.classes.add('set_role');
      return 'execute';
    case 'ListenStmt':
      add(facts, 'LISTEN', 'session');
      return 'execute';
    case 'UnlistenStmt':
      add(facts, 'UNLISTEN', 'session');
      return 'execute';
    case 'DoStmt':
      add(facts, 'DO', 'do_block');
      return 'execute';
    case 'CallStmt':
      add(facts, 'CALL', 'call');
      return 'execute';
    case 'LockStmt':
      add(facts, 'LOCK', 'lock');
      return 'execute';
    case 'VacuumStmt':
      if (n['is_vacuumcmd'] === true) add(facts, 'VACUUM', 'vacuum', 'maintenance');
      else add(facts, 'ANALYZE', 'maintenance');
      return 'execute';
    case 'ReindexStmt':
      add(facts, 'REINDEX', 'maintenance');
      return 'execute';
    case 'ClusterStmt':
      add(facts, 'CLUSTER', 'maintenance');
      return 'execute';
    case 'CheckPointStmt':
      add(facts, 'CHECKPOINT', 'maintenance');
      return 'execute';
    case 'RefreshMatViewStmt':
      add(facts, 'REFRESH MATERIALIZED VIEW', 'maintenance', 'write');
      return 'execute';
    case 'CreateStmt':
      add(facts, 'CREATE TABLE', 'ddl');
      return 'execute';
    case 'CreateTableAsStmt':
      add(facts, n['objtype'] === 'OBJECT_MATVIEW' ? 'CREATE MATERIALIZED VIEW' : 'CREATE TABLE AS', 'ddl');
      return 'execute';
    case 'CreateSeqStmt':
      add(facts, 'CREATE SEQUENCE', 'ddl');
      return 'execute';
    case 'AlterSeqStmt':
      add(facts, 'ALTER SEQUENCE', 'ddl');
      return 'execute';
    case 'ViewStmt':
      add(facts, 'CREATE VIEW', 'ddl');
      return 'execute';
    case 'IndexStmt':
      add(facts, 'CREATE INDEX', 'ddl');
      return 'execute';
    case 'CreateFunctionStmt':
      add(facts, n['is_procedure'] === true ? 'CREATE PROCEDURE' : 'CREATE FUNCTION', 'ddl', 'create_function');
      return 'execute';
    case 'DropStmt': {
      add(facts, `DROP ${objectName(n['removeType'])}`, 'ddl', 'drop');
      recordDroppedRelations(n, facts);
      return 'execute';
    }
    case 'AlterTableStmt': {
      add(facts, `ALTER ${objectName(n['objtype'])}`, 'ddl');
      const cmds = Array.isArray(n['cmds']) ? n['cmds'] : [];
      for (const c of cmds) {
        const cmd = isObj(c) && isObj(c['AlterTableCmd']) ? c['AlterTableCmd'] : undefined;
        if (cmd?.['subtype'] === 'AT_ChangeOwner') facts.classes.add('alter_owner');
        if (cmd?.['subtype'] === 'AT_DropColumn' || cmd?.['subtype'] === 'AT_DropConstraint') facts.classes.add('drop');
      }
      return 'execute';
    }
    case 'AlterOwnerStmt':
      add(facts, `ALTER ${objectName(n['objectType'])} OWNER`, 'ddl', 'alter_owner');
      return 'execute';
    case 'ReassignOwnedStmt':
      add(facts, 'REASSIGN OWNED', 'ddl', 'alter_owner', 'role_admin');
      return 'execute';
    case 'DropOwnedStmt':
      add(facts, 'DROP OWNED', 'ddl', 'drop', 'role_admin');
      return 'execute';
    case 'RenameStmt':
      add(facts, `ALTER ${objectName(n['renameType'])} RENAME`, 'ddl');
      return 'execute';
    case 'CommentStmt':
      add(facts, 'COMMENT', 'ddl');
      return 'execute';
    case 'GrantStmt':
    case 'GrantRoleStmt':
      add(facts, n['is_grant'] === true ? 'GRANT' : 'REVOKE', 'grant');
      return 'execute';
    case 'AlterDefaultPrivilegesStmt':
      add(facts, 'ALTER DEFAULT PRIVILEGES', 'grant', 'ddl');
      return 'execute';
    case 'CreateRoleStmt': {
      const kind = n['stmt_type'] === 'ROLESTMT_USER' ? 'USER' : n['stmt_type'] === 'ROLESTMT_GROUP' ? 'GROUP' : 'ROLE';
      add(facts, `CREATE ${kind}`, 'role_admin', 'ddl');
      return 'execute';
    }
    case 'AlterRoleStmt':
    case 'AlterRoleSetStmt':
      add(facts, 'ALTER ROLE', 'role_admin', 'ddl');
      return 'execute';
    case 'DropRoleStmt':
      add(facts, 'DROP ROLE', 'role_admin', 'ddl', 'drop');
      return 'execute';
    case 'AlterSystemStmt':
      // ALTER SYSTEM SET archive_command = '…' runs a shell command: its own class.
      add(facts, 'ALTER SYSTEM', 'alter_system');
      return 'execute';
    case 'DefineStmt':
      // CREATE AGGREGATE/OPERATOR/TYPE/COLLATION/TEXT SEARCH …
      add(facts, `CREATE ${objectName(n['kind'])}`, 'ddl');
      return 'execute';
    case 'CreatedbStmt':
      add(facts, 'CREATE DATABASE', 'ddl');
      return 'execute';
    case 'DropdbStmt':
      add(facts, 'DROP DATABASE', 'ddl', 'drop');
      return 'execute';
    default: {
      // Fail closed: unknown kinds are `other` (never read-only); catalog changes are `ddl`.
      const ddl = key in DDL_COMMANDS || /^(Create|Alter|Drop|Define|Comment|Rename|Import)/.test(key);
      add(facts, DDL_COMMANDS[key] ?? fallbackCommand(key), ddl ? 'ddl' : 'other');
      if (key.startsWith('Drop')) facts.classes.add('drop');
      return 'execute';
    }
  }
}

/** DROP TABLE/VIEW/… name lists are Strings, not RangeVars: record them as tables too. */
function recordDroppedRelations(n: Obj, facts: StatementFacts): void {
  const relational = ['OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_FOREIGN_TABLE', 'OBJECT_SEQUENCE', 'OBJECT_INDEX'];
  if (!relational.includes(str(n['removeType']) ?? '')) return;
  const objects = Array.isArray(n['objects']) ? n['objects'] : [];
  for (const o of objects) {
    const items = isObj(o) && isObj(o['List']) ? o['List']['items'] : undefined;
    const name = nameList(items).join('.');
    if (name !== '') facts.tables.add(name);
  }
}
