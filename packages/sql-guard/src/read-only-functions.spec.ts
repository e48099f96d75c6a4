// The read-only allow-lists: generated from the local PostgreSQL's catalogue by the committed
// script, never stale, never holding a function of a baseline or side-effect class, and matched
// only on unqualified or pg_catalog-qualified names, exactly as written.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DANGEROUS_FUNCTIONS, SIDE_EFFECT_FUNCTIONS } from './dangerous-functions.js';
import { functionClasses } from './function-classes.js';
import { isReadOnlyFunction, isReadOnlyOperator } from './read-only-functions.js';
import { READ_ONLY_FUNCTION_NAMES, READ_ONLY_OPERATOR_NAMES } from './read-only-functions.generated.js';
import { SUPERUSER_SETTING_NAMES } from './superuser-settings.generated.js';

const SCRIPT = fileURLToPath(new URL('../scripts/generate-catalog-lists.mjs', import.meta.url));

describe('the lists generated from the catalogue', () => {
  it.each(['read-only-functions', 'superuser-settings'])('%s.generated.ts is what the script gives against the local server (run it to refresh)', (name) => {
    const fresh = execFileSync('node', [SCRIPT, '--print', name], { encoding: 'utf8' });
    expect(readFileSync(fileURLToPath(new URL(`./${name}.generated.ts`, import.meta.url)), 'utf8')).toBe(fresh);
  });

  it('hold the superuser-only settings and no ordinary one', () => {
    expect(SUPERUSER_SETTING_NAMES).toEqual(expect.arrayContaining(['session_replication_role', 'log_statement', 'lo_compat_privileges', 'track_activities']));
    for (const name of ['work_mem', 'search_path', 'statement_timeout', 'client_encoding', 'standard_conforming_strings']) expect(SUPERUSER_SETTING_NAMES).not.toContain(name);
  });

  it('hold the everyday built-ins and none that writes, reads files or runs SQL', () => {
    for (const name of ['lower', 'count', 'sum', 'now', 'to_char', 'jsonb_build_object', 'random', 'pg_sleep', 'clock_timestamp', 'gen_random_uuid', 'current_setting']) {
      expect(READ_ONLY_FUNCTION_NAMES).toContain(name);
    }
    const forbidden = READ_ONLY_FUNCTION_NAMES.filter((name) => DANGEROUS_FUNCTIONS.has(name) || SIDE_EFFECT_FUNCTIONS.has(name) || functionClasses(name).length > 0);
    expect(forbidden).toEqual([]);
    for (const name of ['nextval', 'setval', 'set_config', 'query_to_xml', 'table_to_xml', 'ts_stat', 'ts_rewrite', 'txid_current', 'fmgr_c_validator', 'lo_get', 'pg_read_file']) {
      expect(READ_ONLY_FUNCTION_NAMES).not.toContain(name);
    }
  });

  it('are sorted and duplicate-free', () => {
    for (const list of [READ_ONLY_FUNCTION_NAMES, READ_ONLY_OPERATOR_NAMES]) {
      expect([...list].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(list);
      expect(new Set(list).size).toBe(list.length);
    }
  });
});

describe('matching', () => {
  it.each([
    [['lower'], true],
    [['pg_catalog', 'lower'], true],
    [['public', 'lower'], false],
    [['myschema', 'lower'], false],
    [['db', 'pg_catalog', 'lower'], false],
    [['LOWER'], false],
    [['PG_CATALOG', 'lower'], false],
    [['my_func'], false],
    [[], false],
  ])('function %j → %s', (parts, expected) => {
    expect(isReadOnlyFunction(parts)).toBe(expected);
  });

  it.each([
    [['='], true],
    [['pg_catalog', '||'], true],
    [['public', '='], false],
    [['###'], false],
    [[], false],
  ])('operator %j → %s', (parts, expected) => {
    expect(isReadOnlyOperator(parts)).toBe(expected);
  });
});
