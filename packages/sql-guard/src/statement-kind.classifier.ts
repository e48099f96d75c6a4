import { ALTER_TABLE_CLASSES, CODE_OBJECTS, DEFINE_CODE_KINDS, isUntrustedLanguage, languageOf, NODE_CLASSES, OBJECT_CLASSES } from './baseline-objects.js';
import { isObj, nameList, ROLE_SETTINGS, str, type Obj } from './parse-tree.util.js';
import { recordDiscard, recordSettingsViewWrite, recordTransactionOptions, recordVariableSet } from './session-settings.js';
import type { StatementClass } from './statement-class.js';
import { SUPERUSER_SETTING_NAMES } from './superuser-settings.generated.js';
import type { StatementFacts } from './statement-classifier.js';
import { DDL_COMMANDS, kindCommand, objectName, TRANSACTION_COMMANDS } from './statement-kind.names.js';
import { isUnrestricted, targetOf, unrestrictedMergeActions } from './where-restriction.js';

function add(facts: StatementFacts, command: string, ...classes: readonly StatementClass[]): void {
  facts.command ??= command;
  for (const c of classes) facts.classes.add(c);
}

/** The baseline classes of an object type (DROP, RENAME, OWNER TO, SET SCHEMA of it). */
function objectClasses(objtype: unknown, facts: StatementFacts, code: boolean): void {
  const t = str(objtype) ?? '';
  for (const c of OBJECT_CLASSES.get(t) ?? []) facts.classes.add(c);
  if (code && CODE_OBJECTS.has(t)) facts.classes.add('create_function');
}

/** Settings only a superuser may change (generated from pg_settings): SET of one is server_config. */
const SUPERUSER_SETTINGS: ReadonlySet<string> = new Set(SUPERUSER_SETTING_NAMES);

function nonEmpty(list: unknown): boolean {
  return Array.isArray(list) && list.length > 0;
}

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
      } else add(facts, 'SELECT', 'read');
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
      if (isUnrestricted(n['whereClause'], targetOf(n['relation'], !nonEmpty(n['fromClause'])))) facts.classes.add('update_without_where');
      recordSettingsViewWrite(n['relation'], facts);
      return 'execute';
    case 'DeleteStmt':
      add(facts, 'DELETE', 'write', 'delete');
      if (isUnrestricted(n['whereClause'], targetOf(n['relation'], !nonEmpty(n['usingClause'])))) facts.classes.add('delete_without_where');
      return 'execute';
    case 'MergeStmt':
      add(facts, 'MERGE', 'write', 'merge');
      classifyMergeClauses(n, facts);
      recordSettingsViewWrite(n['relation'], facts);
      return 'execute';
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
    case 'TransactionStmt': {
      const kind = str(n['kind']) ?? '';
      add(facts, TRANSACTION_COMMANDS[kind] ?? 'TRANSACTION', 'transaction');
      // A prepared transaction outlives the session: anyone with the role can commit it later.
      if (kind === 'TRANS_STMT_PREPARE' || kind === 'TRANS_STMT_COMMIT_PREPARED' || kind === 'TRANS_STMT_ROLLBACK_PREPARED') facts.classes.add('prepared_transaction');
      recordTransactionOptions(n['options'], '', facts);
      return 'execute';
    }
    case 'VariableSetStmt': {
      const name = (str(n['name']) ?? '').toLowerCase();
      const reset = n['kind'] === 'VAR_RESET' || n['kind'] === 'VAR_RESET_ALL';
      // RESET ALL leaves role and session_authorization alone (GUC_NO_RESET_ALL).
      add(facts, reset ? 'RESET' : 'SET', ROLE_SETTINGS.has(name) ? 'set_role' : 'session');
      if (SUPERUSER_SETTINGS.has(name)) facts.classes.add('server_config');
      recordVariableSet(n, facts);
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
      recordDiscard(n, facts);
      return 'execute';
    case 'ListenStmt':
      add(facts, 'LISTEN', 'session');
      return 'execute';
    case 'UnlistenStmt':
      add(facts, 'UNLISTEN', 'session');
      return 'execute';
    case 'DoStmt':
      add(facts, 'DO', 'do_block');
      if (isUntrustedLanguage(languageOf(n['args']), 'plpgsql')) facts.classes.add('language');
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
      // Without LANGUAGE, only a SQL-standard body (RETURN …, BEGIN ATOMIC) parses: SQL.
      if (isUntrustedLanguage(languageOf(n['options']), 'sql')) facts.classes.add('language');
      return 'execute';
    case 'DropStmt': {
      add(facts, `DROP ${objectName(n['removeType'])}`, 'ddl', 'drop');
      objectClasses(n['removeType'], facts, false);
      recordDroppedRelations(n, facts);
      return 'execute';
    }
    case 'AlterTableStmt': {
      add(facts, `ALTER ${objectName(n['objtype'])}`, 'ddl');
      objectClasses(n['objtype'], facts, false);
      const cmds = Array.isArray(n['cmds']) ? n['cmds'] : [];
      for (const c of cmds) {
        const cmd = isObj(c) && isObj(c['AlterTableCmd']) ? c['AlterTableCmd'] : undefined;
        const subtype = str(cmd?.['subtype']) ?? '';
        if (subtype === 'AT_ChangeOwner') facts.classes.add('alter_owner');
        if (subtype === 'AT_DropColumn' || subtype === 'AT_DropConstraint') facts.classes.add('drop');
        for (const k of ALTER_TABLE_CLASSES.get(subtype) ?? []) facts.classes.add(k);
      }
      return 'execute';
    }
    case 'AlterOwnerStmt':
      add(facts, `ALTER ${objectName(n['objectType'])} OWNER`, 'ddl', 'alter_owner');
      objectClasses(n['objectType'], facts, false);
      return 'execute';
    case 'AlterObjectSchemaStmt':
      add(facts, `ALTER ${objectName(n['objectType'])} SET SCHEMA`, 'ddl');
      objectClasses(n['objectType'], facts, true);
      return 'execute';
    case 'AlterObjectDependsStmt':
      add(facts, `ALTER ${objectName(n['objectType'])} DEPENDS ON EXTENSION`, 'ddl', 'extension');
      return 'execute';
    case 'AlterTableMoveAllStmt':
      add(facts, `ALTER ${objectName(n['objtype'])} ALL IN TABLESPACE`, 'ddl', 'tablespace');
      return 'execute';
    case 'CreateSchemaStmt':
      // AUTHORIZATION makes another role the owner of the schema and of what it creates.
      add(facts, 'CREATE SCHEMA', 'ddl');
      if (isObj(n['authrole'])) facts.classes.add('alter_owner');
      return 'execute';
    case 'CreateRangeStmt': {
      add(facts, 'CREATE TYPE', 'ddl');
      const params = Array.isArray(n['params']) ? n['params'] : [];
      const code = params.some((p) => isObj(p) && isObj(p['DefElem']) && (p['DefElem']['defname'] === 'canonical' || p['DefElem']['defname'] === 'subtype_diff'));
      if (code) facts.classes.add('create_function');
      return 'execute';
    }
    case 'ReplicaIdentityStmt':
    case 'ReturnStmt':
      // Parts of ALTER TABLE and CREATE FUNCTION, which are classified already.
      return 'execute';
    case 'ReassignOwnedStmt':
      add(facts, 'REASSIGN OWNED', 'ddl', 'alter_owner', 'role_admin');
      return 'execute';
    case 'DropOwnedStmt':
      add(facts, 'DROP OWNED', 'ddl', 'drop', 'role_admin');
      return 'execute';
    case 'RenameStmt':
      add(facts, `ALTER ${objectName(n['renameType'])} RENAME`, 'ddl');
      objectClasses(n['renameType'], facts, true);
      return 'execute';
    case 'CommentStmt':
      add(facts, 'COMMENT', 'ddl');
      return 'execute';
    case 'GrantStmt':
    case 'GrantRoleStmt':
      add(facts, n['is_grant'] === true ? 'GRANT' : 'REVOKE', 'grant');
      if (n['objtype'] === 'OBJECT_LARGEOBJECT') facts.classes.add('large_object');
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
      add(facts, 'ALTER ROLE', 'role_admin', 'ddl');
      return 'execute';
    case 'AlterRoleSetStmt':
      add(facts, 'ALTER ROLE', 'role_admin', 'ddl', 'server_config');
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
      if (DEFINE_CODE_KINDS.has(str(n['kind']) ?? '')) facts.classes.add('create_function');
      return 'execute';
    case 'CreatedbStmt':
      add(facts, 'CREATE DATABASE', 'ddl', 'database');
      return 'execute';
    case 'DropdbStmt':
      add(facts, 'DROP DATABASE', 'ddl', 'drop', 'database');
      return 'execute';
    default: {
      // Fail closed: unknown kinds are `other` (never read-only); catalog changes are `ddl`;
      // kinds of the baseline carry its classes (baseline-objects.ts).
      const ddl = key in DDL_COMMANDS || /^(Create|Alter|Drop|Define|Comment|Rename|Import)/.test(key);
      const baseline = NODE_CLASSES.get(key) ?? [];
      add(facts, kindCommand(key), ...baseline);
      if (ddl) facts.classes.add('ddl');
      else if (baseline.length === 0) facts.classes.add('other');
      if (key.startsWith('Drop')) facts.classes.add('drop');
      return 'execute';
    }
  }
}

/** MERGE's actions, and those of its UPDATEs and DELETEs that may reach every row. */
function classifyMergeClauses(n: Obj, facts: StatementFacts): void {
  const clauses = Array.isArray(n['mergeWhenClauses']) ? n['mergeWhenClauses'] : [];
  for (const c of clauses) {
    const cmd = isObj(c) && isObj(c['MergeWhenClause']) ? c['MergeWhenClause']['commandType'] : undefined;
    if (cmd === 'CMD_INSERT') facts.classes.add('insert');
    else if (cmd === 'CMD_UPDATE') facts.classes.add('update');
    else if (cmd === 'CMD_DELETE') facts.classes.add('delete');
  }
  for (const cmd of unrestrictedMergeActions(n)) facts.classes.add(cmd === 'CMD_DELETE' ? 'delete_without_where' : 'update_without_where');
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
