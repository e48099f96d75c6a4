// How statement kinds are named for people (command tags, as in StatementInfo.command and
// notReadOnly), and which kinds may be read-only. Read by statement-kind.classifier.ts.
import { str } from './parse-tree.util.js';

export const OBJECT_NAMES: Readonly<Record<string, string>> = {
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
  OBJECT_LARGEOBJECT: 'LARGE OBJECT',
};

export function objectName(objtype: unknown): string {
  const t = str(objtype);
  if (t === undefined) return 'OBJECT';
  return OBJECT_NAMES[t] ?? t.replace(/^OBJECT_/, '').replace(/_/g, ' ');
}

/** Catalog-changing nodes whose name does not spell their command. */
export const DDL_COMMANDS: Readonly<Record<string, string>> = {
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
  AlterExtensionContentsStmt: 'ALTER EXTENSION',
  ReplicaIdentityStmt: 'REPLICA IDENTITY',
  ReturnStmt: 'RETURN',
};

/** `CreateFdwStmt` → `CREATE FDW`: the command tag of a node with no explicit case. */
function fallbackCommand(key: string): string {
  return key
    .replace(/Stmt$/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toUpperCase();
}

/** Other nodes whose name does not spell their command. */
const OTHER_COMMANDS: Readonly<Record<string, string>> = {
  ConstraintsSetStmt: 'SET CONSTRAINTS',
};

const kindCommands = new Map<string, string>();

/** A statement kind's name for people (`DeleteStmt` → `DELETE`), as in notReadOnly. */
export function kindCommand(key: string): string {
  let command = kindCommands.get(key);
  if (command === undefined) {
    command = DDL_COMMANDS[key] ?? OTHER_COMMANDS[key] ?? fallbackCommand(key);
    // Keys are the parser's node names: a closed set, so the memo stays small.
    kindCommands.set(key, command);
  }
  return command;
}

/**
 * The statement kinds that may be read-only (their classes decide the rest: `SELECT … FOR
 * UPDATE` is `lock`, `COPY … TO '/file'` is `copy_file`, `SET ROLE` is `set_role`). Any other
 * kind anywhere in a statement makes it not read-only: an allow-list, so a new kind fails closed.
 */
export const READ_KINDS: ReadonlySet<string> = new Set([
  'SelectStmt',
  'ExplainStmt',
  'CopyStmt',
  'DeclareCursorStmt',
  'FetchStmt',
  'ClosePortalStmt',
  'PrepareStmt',
  'DeallocateStmt',
  'TransactionStmt',
  'VariableSetStmt',
  'VariableShowStmt',
  'DiscardStmt',
  'ListenStmt',
  'UnlistenStmt',
]);

export const TRANSACTION_COMMANDS: Readonly<Record<string, string>> = {
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
