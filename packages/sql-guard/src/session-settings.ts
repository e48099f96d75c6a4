// The settings facts of a statement (StatementInfo.settings, .readWrite): which run-time settings
// it changes in the session, and whether it asks for a read-write transaction. The gateway pins
// some settings (those that change how SQL is read, and read-only-ness) and refuses their change
// whatever the policy says, so every way of changing one must show here: SET/RESET and their
// spellings (SET NAMES, SET TIME ZONE, SET SCHEMA, SET TRANSACTION, SET SESSION
// CHARACTERISTICS), BEGIN's options, RESET ALL and DISCARD ALL, set_config(), an UPDATE of the
// pg_settings view (its rule calls set_config), and a function's own SET clause.
// Pinned by session-settings.spec.ts.
import { isObj, str, type Obj } from './parse-tree.util.js';

export interface SettingsFacts {
  /** Created on the first setting, as most statements change none. */
  settings: Set<string> | undefined;
  readWrite: boolean;
}

function addSetting(facts: SettingsFacts, name: string): void {
  (facts.settings ??= new Set()).add(name);
}

/** Settings whose value makes transactions read-only. */
const READ_ONLY_SETTINGS: ReadonlySet<string> = new Set(['transaction_read_only', 'default_transaction_read_only']);

/** Spellings PostgreSQL reads as true (parse_bool, case-insensitive); anything else may be false. */
const TRUE_WORDS: ReadonlySet<string> = new Set(['true', 'tru', 'tr', 't', 'yes', 'ye', 'y', 'on', '1']);

/** A setting name the statement does not spell out: it could be any. */
export const ANY_SETTING = '*';
/** RESET ALL, DISCARD ALL. */
export const ALL_SETTINGS = 'all';

/** SET, SET LOCAL, RESET, RESET ALL and the multi-word SET forms (a VariableSetStmt node). */
export function recordVariableSet(n: Obj, facts: SettingsFacts): void {
  const kind = str(n['kind']);
  const name = str(n['name']) ?? '';
  if (kind === 'VAR_RESET_ALL') {
    addSetting(facts, ALL_SETTINGS);
    return;
  }
  if (kind === 'VAR_SET_MULTI') {
    // The grammar names these forms in capitals; their arguments are DefElems of settings.
    if (name === 'TRANSACTION') recordTransactionOptions(n['args'], '', facts);
    else if (name === 'SESSION CHARACTERISTICS') recordTransactionOptions(n['args'], 'default_', facts);
    // SET TRANSACTION SNAPSHOT imports a snapshot; it changes no setting.
    else if (name !== 'TRANSACTION SNAPSHOT') addSetting(facts, ANY_SETTING);
    return;
  }
  const setting = name.toLowerCase();
  addSetting(facts, setting === '' ? ANY_SETTING : setting);
  if (!READ_ONLY_SETTINGS.has(setting)) return;
  // SET … = value: read-write unless the value is a literal true. SET … TO DEFAULT, RESET and
  // FROM CURRENT may give false: read-write.
  const args = Array.isArray(n['args']) ? n['args'] : [];
  if (kind !== 'VAR_SET_VALUE' || args.length !== 1 || !isLiteralTrue(args[0])) facts.readWrite = true;
}

/**
 * BEGIN/START TRANSACTION options, SET TRANSACTION, SET SESSION CHARACTERISTICS: DefElems named
 * after the setting (`transaction_read_only`, `transaction_isolation`, `transaction_deferrable`).
 * Their integer values come from keywords (READ ONLY is 1, READ WRITE 0), never from digits in the
 * text, so reading them is sound under the shape cache (numeric-shape.ts).
 */
export function recordTransactionOptions(options: unknown, prefix: '' | 'default_', facts: SettingsFacts): void {
  if (!Array.isArray(options)) return;
  for (const o of options) {
    const d = isObj(o) && isObj(o['DefElem']) ? o['DefElem'] : undefined;
    const name = str(d?.['defname']);
    if (d === undefined || name === undefined) {
      addSetting(facts, ANY_SETTING);
      continue;
    }
    addSetting(facts, prefix + name);
    if (name === 'transaction_read_only' && keywordInteger(d['arg']) !== 1) facts.readWrite = true;
  }
}

/** set_config(name, value, is_local): the name when it is a literal, else any. */
export function recordSetConfig(args: readonly unknown[], facts: SettingsFacts): void {
  const literal = constString(args[0]);
  const setting = literal === undefined ? ANY_SETTING : literal.trim().toLowerCase();
  addSetting(facts, setting);
  if ((setting === ANY_SETTING || READ_ONLY_SETTINGS.has(setting)) && !isLiteralTrue(args[1])) facts.readWrite = true;
}

/** UPDATE (or MERGE into) pg_settings: its update rule runs set_config for each row. */
export function recordSettingsViewWrite(relation: unknown, facts: SettingsFacts): void {
  if (!isObj(relation) || relation['relname'] !== 'pg_settings') return;
  addSetting(facts, ANY_SETTING);
  facts.readWrite = true;
}

/** DISCARD ALL resets every setting, like RESET ALL. */
export function recordDiscard(n: Obj, facts: SettingsFacts): void {
  if (n['target'] === 'DISCARD_ALL') addSetting(facts, ALL_SETTINGS);
}

function keywordInteger(node: unknown): number | undefined {
  if (!isObj(node) || !isObj(node['A_Const'])) return undefined;
  const i = node['A_Const']['ival'];
  // The parser leaves a zero out: `{ ival: {} }` is 0.
  if (!isObj(i)) return undefined;
  return typeof i['ival'] === 'number' ? i['ival'] : 0;
}

/**
 * A string constant that PostgreSQL reads as true. Integer constants never count, whatever
 * their value: they come from digits in the text, which the shape cache does not key on.
 */
function isLiteralTrue(node: unknown): boolean {
  const s = constString(node);
  return s !== undefined && TRUE_WORDS.has(s.trim().toLowerCase());
}

/** A string constant, through casts (`'role'::text`). */
export function constString(node: unknown): string | undefined {
  if (!isObj(node)) return undefined;
  if (isObj(node['TypeCast'])) return constString(node['TypeCast']['arg']);
  const c = node['A_Const'];
  if (!isObj(c) || !isObj(c['sval'])) return undefined;
  return str(c['sval']['sval']) ?? '';
}
