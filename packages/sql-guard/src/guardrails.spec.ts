import { beforeAll, describe, expect, it } from 'vitest';
import { evaluateGuardrails } from './guardrails.js';
import { analyzeSql, initSqlGuard } from './sql-analyzer.js';
import type { GuardrailRules } from './sql-analysis.types.js';
import { BASELINE_BLOCKED_CLASSES } from './statement-class.js';

beforeAll(async () => {
  await initSqlGuard();
});

const SILENT: GuardrailRules = { readOnly: false, block: [], requireApproval: [], unparseable: 'refuse' };
/** Read-only with the whole baseline allowed, so that read-only is what speaks. */
const READ_ONLY: GuardrailRules = { ...SILENT, readOnly: true, allow: BASELINE_BLOCKED_CLASSES };
const TYPICAL: GuardrailRules = {
  readOnly: false,
  block: ['drop', 'truncate', 'delete_without_where', 'update_without_where', 'copy_to_program', 'copy_from_program', 'copy_file', 'dangerous_function', 'set_role', 'role_admin', 'alter_system', 'do_block'],
  requireApproval: ['ddl', 'grant', 'alter_owner', 'create_function', 'call'],
  // Held for approval rather than blocked by the baseline.
  allow: ['grant', 'alter_owner', 'create_function'],
  unparseable: 'refuse',
};

type Expect = { action: 'allow'; flagged?: RegExp } | { action: 'block'; class: string; command: string | null; reason: RegExp } | { action: 'approve'; classes: string[]; commands: string[] };

const CASES: Array<[name: string, sql: string, rules: GuardrailRules, expected: Expect]> = [
  ['empty string is allowed', '', READ_ONLY, { action: 'allow' }],
  ['comment only is allowed', '-- nothing', READ_ONLY, { action: 'allow' }],
  ['read in read-only', 'select * from t', READ_ONLY, { action: 'allow' }],
  ['pgbench read', 'SELECT abalance FROM pgbench_accounts WHERE aid = $1', READ_ONLY, { action: 'allow' }],
  ['transaction control in read-only', 'BEGIN; SELECT 1; END', READ_ONLY, { action: 'allow' }],
  ['ordinary SET in read-only', "set statement_timeout = '1s'", READ_ONLY, { action: 'allow' }],
  ['write in read-only', 'update t set a = 1 where id = 1', READ_ONLY, { action: 'block', class: 'not_read_only', command: 'UPDATE', reason: /UPDATE is refused: this session is read-only/ }],
  ['hidden second statement in read-only', 'SeLeCt 1; drop table x', READ_ONLY, { action: 'block', class: 'not_read_only', command: 'DROP TABLE', reason: /DROP TABLE/ }],
  ['data-modifying CTE in read-only', 'with d as (delete from t returning *) select * from d', READ_ONLY, { action: 'block', class: 'not_read_only', command: 'SELECT', reason: /read-only/ }],
  ['SET ROLE in read-only', 'set role postgres', READ_ONLY, { action: 'block', class: 'not_read_only', command: 'SET', reason: /set_role/ }],
  ['pg_read_file in read-only', "select (select pg_read_file('/etc/passwd'))", READ_ONLY, { action: 'block', class: 'not_read_only', command: 'SELECT', reason: /dangerous_function/ }],
  ['EXPLAIN ANALYZE DELETE in read-only', 'explain analyze delete from t where id = 1', READ_ONLY, { action: 'block', class: 'not_read_only', command: 'EXPLAIN ANALYZE', reason: /read-only/ }],
  ['plain EXPLAIN of DELETE in read-only', 'explain delete from t where id = 1', READ_ONLY, { action: 'allow' }],
  ['SQL-level EXECUTE in read-only', 'execute p', READ_ONLY, { action: 'block', class: 'not_read_only', command: 'EXECUTE', reason: /EXECUTE/ }],
  ['a kind that is not a read kind, in read-only', 'notify c', READ_ONLY, { action: 'block', class: 'not_read_only', command: 'NOTIFY', reason: /\(statement NOTIFY, class 'other'\)/ }],
  ['a user function in read-only', 'select audit.log(1)', READ_ONLY, { action: 'block', class: 'not_read_only', command: 'SELECT', reason: /function audit\.log/ }],
  ['BEGIN READ WRITE in read-only', 'begin read write', READ_ONLY, { action: 'block', class: 'not_read_only', command: 'BEGIN', reason: /read-write transaction/ }],
  [
    'baseline with silent rules: COPY TO PROGRAM',
    "copy t to program 'sh'",
    SILENT,
    { action: 'block', class: 'copy_to_program', command: 'COPY', reason: /COPY is blocked: class 'copy_to_program' is blocked by the built-in baseline/ },
  ],
  ['baseline with silent rules: CREATE FUNCTION', 'create function f() returns int return 1', SILENT, { action: 'block', class: 'create_function', command: 'CREATE FUNCTION', reason: /built-in baseline/ }],
  ['baseline before read-only', 'load $$x$$', { ...READ_ONLY, allow: [] }, { action: 'block', class: 'load', command: 'LOAD', reason: /built-in baseline/ }],
  ['a constant-true WHERE is no WHERE', 'update t set a = 1 where 1 = 1', TYPICAL, { action: 'block', class: 'update_without_where', command: 'UPDATE', reason: /update_without_where/ }],
  ['DELETE with WHERE id = id is no WHERE', 'DELETE FROM t WHERE id = id', TYPICAL, { action: 'block', class: 'delete_without_where', command: 'DELETE', reason: /delete_without_where/ }],
  ['block list: DROP', 'drop table x', TYPICAL, { action: 'block', class: 'drop', command: 'DROP TABLE', reason: /DROP TABLE is blocked: class 'drop' is in the block list/ }],
  ['block list: DELETE without WHERE', 'DELETE FROM t', TYPICAL, { action: 'block', class: 'delete_without_where', command: 'DELETE', reason: /delete_without_where/ }],
  ['DELETE with WHERE passes', 'DELETE FROM t WHERE id = 1', TYPICAL, { action: 'allow' }],
  ['block list: UPDATE without WHERE', 'update t set a = 1', TYPICAL, { action: 'block', class: 'update_without_where', command: 'UPDATE', reason: /update_without_where/ }],
  ['block list: TRUNCATE', 'truncate t', TYPICAL, { action: 'block', class: 'truncate', command: 'TRUNCATE', reason: /truncate/ }],
  ['block list: COPY TO PROGRAM', "copy t to program 'sh'", TYPICAL, { action: 'block', class: 'copy_to_program', command: 'COPY', reason: /copy_to_program/ }],
  ['block list: COPY (query) TO file', "copy (select 1) to '/tmp/x'", TYPICAL, { action: 'block', class: 'copy_file', command: 'COPY', reason: /copy_file/ }],
  ['block list: set_config role', "select set_config('role','postgres',false)", TYPICAL, { action: 'block', class: 'set_role', command: 'SELECT', reason: /set_role/ }],
  ['block list: RESET ROLE', 'RESET ROLE', TYPICAL, { action: 'block', class: 'set_role', command: 'RESET', reason: /set_role/ }],
  ['block list: DO', 'DO $$ begin null; end $$', TYPICAL, { action: 'block', class: 'do_block', command: 'DO', reason: /do_block/ }],
  ['block list: PREPARE of a DELETE without WHERE', 'PREPARE p AS DELETE FROM t; EXECUTE p', TYPICAL, { action: 'block', class: 'delete_without_where', command: 'PREPARE', reason: /PREPARE/ }],
  ['block list: ALTER SYSTEM', "alter system set archive_command = 'sh'", TYPICAL, { action: 'block', class: 'alter_system', command: 'ALTER SYSTEM', reason: /alter_system/ }],
  ['block wins over approve in one string', 'create table x (a int); drop table y', TYPICAL, { action: 'block', class: 'drop', command: 'DROP TABLE', reason: /drop/ }],
  ['block wins within one statement', 'drop table x', { ...TYPICAL, requireApproval: ['ddl'] }, { action: 'block', class: 'drop', command: 'DROP TABLE', reason: /drop/ }],
  ['approval: CREATE TABLE', 'create table x (a int)', TYPICAL, { action: 'approve', classes: ['ddl'], commands: ['CREATE TABLE'] }],
  ['approval: GRANT and ALTER OWNER together', 'grant select on t to u; alter table t owner to u', TYPICAL, { action: 'approve', classes: ['grant', 'ddl', 'alter_owner'], commands: ['GRANT', 'ALTER TABLE'] }],
  ['approval: CREATE FUNCTION', 'create function f() returns int language sql as $$ select 1 $$', TYPICAL, { action: 'approve', classes: ['ddl', 'create_function'], commands: ['CREATE FUNCTION'] }],
  [
    'pgbench write transaction',
    'BEGIN; UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid = 2; INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (1, 1, 1, 1, CURRENT_TIMESTAMP); END;',
    TYPICAL,
    { action: 'allow' },
  ],
  ['unparseable refused', 'selec 1', TYPICAL, { action: 'block', class: 'unparseable', command: null, reason: /could not be parsed \(syntax error at or near "selec" at character 1\)/ }],
  ['unparseable flagged', 'selec 1', { ...TYPICAL, unparseable: 'flag' }, { action: 'allow', flagged: /^unparseable: syntax error/ }],
  ['lone $$ refused', '$$', READ_ONLY, { action: 'block', class: 'unparseable', command: null, reason: /unterminated dollar-quoted/ }],
];

describe('evaluateGuardrails', () => {
  it.each(CASES)('%s', (_name, sql, rules, expected) => {
    const d = evaluateGuardrails(analyzeSql(sql), rules);
    expect(d.action).toBe(expected.action);
    if (d.action === 'allow' && expected.action === 'allow') {
      if (expected.flagged) expect(d.flagged).toMatch(expected.flagged);
      else expect(d.flagged).toBeUndefined();
    } else if (d.action === 'block' && expected.action === 'block') {
      expect(d.class).toBe(expected.class);
      expect(d.statement?.command ?? null).toBe(expected.command);
      expect(d.reason).toMatch(expected.reason);
    } else if (d.action === 'approve' && expected.action === 'approve') {
      expect(d.classes).toEqual(expected.classes);
      expect(d.statements.map((s) => s.command)).toEqual(expected.commands);
      expect(d.reason).toMatch(/requires approval/);
    }
  });

  it('denies when rules are malformed at run time', () => {
    const malformed = { block: [], requireApproval: [] } as unknown as GuardrailRules;
    expect(evaluateGuardrails(analyzeSql('delete from t where a = 1'), malformed)).toMatchObject({ action: 'block', class: 'not_read_only' });
    expect(evaluateGuardrails(analyzeSql('selec'), malformed)).toMatchObject({ action: 'block', class: 'unparseable' });
  });
});
