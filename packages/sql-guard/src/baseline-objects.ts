// Which statement nodes, object types and ALTER TABLE subcommands carry a class of the built-in
// baseline (statement-class.ts). Read by statement-kind.classifier.ts; every statement kind of
// the grammar is reviewed against these in statement-kinds.spec.ts.
import { isObj, str } from './parse-tree.util.js';
import type { StatementClass } from './statement-class.js';

type Classes = readonly StatementClass[];

function table(entries: Record<string, StatementClass[]>): ReadonlyMap<string, Classes> {
  return new Map(Object.entries(entries));
}

/** Statement nodes that are baseline classes whatever they hold. */
export const NODE_CLASSES = table({
  CreateExtensionStmt: ['extension'],
  AlterExtensionStmt: ['extension'],
  AlterExtensionContentsStmt: ['extension'],
  AlterObjectDependsStmt: ['extension'],
  CreatePLangStmt: ['language'],
  CreateTransformStmt: ['language'],
  // Code that runs later, unseen, often implicitly: casts, conversions (on every client message),
  // operator classes and access methods (inside index scans), operators' estimators, type I/O,
  // and what ALTER FUNCTION changes (SECURITY DEFINER, SET, LEAKPROOF).
  CreateCastStmt: ['create_function'],
  CreateConversionStmt: ['create_function'],
  CreateAmStmt: ['create_function'],
  CreateOpClassStmt: ['create_function'],
  CreateOpFamilyStmt: ['create_function'],
  AlterOpFamilyStmt: ['create_function'],
  AlterOperatorStmt: ['create_function'],
  AlterTypeStmt: ['create_function'],
  AlterFunctionStmt: ['create_function'],
  CreateTrigStmt: ['trigger'],
  CreateEventTrigStmt: ['trigger'],
  AlterEventTrigStmt: ['trigger'],
  RuleStmt: ['rule'],
  LoadStmt: ['load'],
  CreateFdwStmt: ['foreign_data'],
  AlterFdwStmt: ['foreign_data'],
  CreateForeignServerStmt: ['foreign_data'],
  AlterForeignServerStmt: ['foreign_data'],
  CreateUserMappingStmt: ['foreign_data'],
  AlterUserMappingStmt: ['foreign_data'],
  DropUserMappingStmt: ['foreign_data'],
  ImportForeignSchemaStmt: ['foreign_data'],
  CreateForeignTableStmt: ['foreign_data'],
  CreatePublicationStmt: ['replication'],
  AlterPublicationStmt: ['replication'],
  CreateSubscriptionStmt: ['replication'],
  AlterSubscriptionStmt: ['replication'],
  DropSubscriptionStmt: ['replication'],
  CreateTableSpaceStmt: ['tablespace'],
  AlterTableSpaceOptionsStmt: ['tablespace'],
  DropTableSpaceStmt: ['tablespace'],
  AlterTableMoveAllStmt: ['tablespace'],
  CreatedbStmt: ['database'],
  DropdbStmt: ['database'],
  AlterDatabaseStmt: ['database'],
  AlterDatabaseRefreshCollStmt: ['database'],
  AlterDatabaseSetStmt: ['server_config'],
  AlterRoleSetStmt: ['server_config'],
  CreatePolicyStmt: ['access_policy'],
  AlterPolicyStmt: ['access_policy'],
  SecLabelStmt: ['access_policy'],
});

/** Objects whose DROP, RENAME, OWNER TO or SET SCHEMA is a baseline class. */
export const OBJECT_CLASSES = table({
  OBJECT_EXTENSION: ['extension'],
  OBJECT_LANGUAGE: ['language'],
  OBJECT_TRANSFORM: ['language'],
  OBJECT_TRIGGER: ['trigger'],
  OBJECT_EVENT_TRIGGER: ['trigger'],
  OBJECT_RULE: ['rule'],
  OBJECT_FDW: ['foreign_data'],
  OBJECT_FOREIGN_SERVER: ['foreign_data'],
  OBJECT_USER_MAPPING: ['foreign_data'],
  OBJECT_FOREIGN_TABLE: ['foreign_data'],
  OBJECT_PUBLICATION: ['replication'],
  OBJECT_PUBLICATION_NAMESPACE: ['replication'],
  OBJECT_PUBLICATION_REL: ['replication'],
  OBJECT_SUBSCRIPTION: ['replication'],
  OBJECT_POLICY: ['access_policy'],
  OBJECT_TABLESPACE: ['tablespace'],
  OBJECT_DATABASE: ['database'],
  OBJECT_LARGEOBJECT: ['large_object'],
  OBJECT_ROLE: ['role_admin'],
});

/**
 * Code objects: renaming one or moving it to another schema changes which code an unqualified
 * name runs, so RENAME and SET SCHEMA of these are create_function (DROP is plain `drop`).
 */
export const CODE_OBJECTS: ReadonlySet<string> = new Set([
  'OBJECT_FUNCTION',
  'OBJECT_PROCEDURE',
  'OBJECT_ROUTINE',
  'OBJECT_AGGREGATE',
  'OBJECT_OPERATOR',
  'OBJECT_OPCLASS',
  'OBJECT_OPFAMILY',
  'OBJECT_CONVERSION',
  'OBJECT_ACCESS_METHOD',
  'OBJECT_TSPARSER',
  'OBJECT_TSTEMPLATE',
]);

/** CREATE AGGREGATE/OPERATOR/TYPE (base types: I/O functions)/TEXT SEARCH PARSER/TEMPLATE. */
export const DEFINE_CODE_KINDS: ReadonlySet<string> = new Set(['OBJECT_AGGREGATE', 'OBJECT_OPERATOR', 'OBJECT_TYPE', 'OBJECT_TSPARSER', 'OBJECT_TSTEMPLATE']);

/** ALTER TABLE subcommands that switch triggers, rules or row security. */
export const ALTER_TABLE_CLASSES = table({
  AT_EnableTrig: ['trigger'],
  AT_EnableAlwaysTrig: ['trigger'],
  AT_EnableReplicaTrig: ['trigger'],
  AT_DisableTrig: ['trigger'],
  AT_EnableTrigAll: ['trigger'],
  AT_DisableTrigAll: ['trigger'],
  AT_EnableTrigUser: ['trigger'],
  AT_DisableTrigUser: ['trigger'],
  AT_EnableRule: ['rule'],
  AT_EnableAlwaysRule: ['rule'],
  AT_EnableReplicaRule: ['rule'],
  AT_DisableRule: ['rule'],
  AT_EnableRowSecurity: ['access_policy'],
  AT_DisableRowSecurity: ['access_policy'],
  AT_ForceRowSecurity: ['access_policy'],
  AT_NoForceRowSecurity: ['access_policy'],
});

/**
 * PostgreSQL's trusted procedural languages, compared exactly as the parser gives the name.
 * A body in any other language (c, internal, plpython3u, plperlu, …, or a name spelled
 * otherwise) is `language`, whatever the function or DO block is allowed as.
 */
const TRUSTED_LANGUAGES: ReadonlySet<string> = new Set(['sql', 'plpgsql', 'plperl', 'pltcl']);

/** The `language` option of CREATE FUNCTION/PROCEDURE options or DO arguments, if any. */
export function languageOf(options: unknown): string | undefined {
  if (!Array.isArray(options)) return undefined;
  for (const o of options) {
    const d = isObj(o) && isObj(o['DefElem']) ? o['DefElem'] : undefined;
    if (d?.['defname'] !== 'language') continue;
    const arg = d['arg'];
    return isObj(arg) && isObj(arg['String']) ? (str(arg['String']['sval']) ?? '') : '';
  }
  return undefined;
}

/** Whether a body in `language` (undefined: the statement's default) is untrusted. */
export function isUntrustedLanguage(language: string | undefined, fallback: string): boolean {
  return !TRUSTED_LANGUAGES.has(language ?? fallback);
}
