import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeSql, clearSqlGuardCache, initSqlGuard, MAX_SQL_BYTES } from './sql-analyzer.js';
import type { StatementInfo } from './sql-analysis.types.js';

beforeAll(async () => {
  await initSqlGuard();
});

function only(sql: string): StatementInfo {
  const a = analyzeSql(sql);
  if (!a.ok) throw new Error(`unexpected parse error for ${sql.slice(0, 80)}: ${a.error}`);
  expect(a.statements).toHaveLength(1);
  return a.statements[0]!;
}

describe('analyzeSql: several statements, comments, quoting', () => {
  it('checks every statement of a simple Query and slices each text', () => {
    const a = analyzeSql('SeLeCt 1; drop table x');
    expect(a).toMatchObject({
      ok: true,
      statements: [
        { text: 'SeLeCt 1', command: 'SELECT', readOnly: true },
        { text: 'drop table x', command: 'DROP TABLE', classes: ['ddl', 'drop'], readOnly: false },
      ],
    });
  });

  it('slices by UTF-8 byte offsets', () => {
    const a = analyzeSql("select 'héllo ✓'; delete from t");
    expect(a.ok && a.statements.map((s) => s.text)).toEqual(["select 'héllo ✓'", 'delete from t']);
  });

  it.each([
    ['select 1 -- ; drop table x', ['SELECT']],
    ['select 1 /* ; drop table x */', ['SELECT']],
    ["select '; drop table x'", ['SELECT']],
    ['select $$ ; drop table x $$', ['SELECT']],
    ['select $tag$ ; drop table x $tag$', ['SELECT']],
    ['select 1 /* c */ ; /* c */ drop table x', ['SELECT', 'DROP TABLE']],
    ['select 1;;; ;delete from t', ['SELECT', 'DELETE']],
    ['BEGIN; UPDATE t SET a = 1 WHERE id = 1; COMMIT;', ['BEGIN', 'UPDATE', 'COMMIT']],
    ['PREPARE p AS DELETE FROM t; EXECUTE p', ['PREPARE', 'EXECUTE']],
    ['select 1; DO $$ begin drop table t; end $$', ['SELECT', 'DO']],
  ])('%s', (sql, commands) => {
    const a = analyzeSql(sql);
    expect(a.ok && a.statements.map((s) => s.command)).toEqual(commands);
  });

  it.each(['', '   ', '-- only a comment', '/* c */', ';', ';;'])('%j has no statements', (sql) => {
    expect(analyzeSql(sql)).toEqual({ ok: true, statements: [] });
  });
});

describe('analyzeSql: Prisma-migration-style DDL', () => {
  const migration = `-- CreateEnum
CREATE TYPE "Role" AS ENUM ('USER', 'ADMIN');

-- CreateTable
CREATE TABLE "User" (
    "id" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "role" "Role" NOT NULL DEFAULT 'USER',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");

-- AddForeignKey
ALTER TABLE "Post" ADD CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- DropIndex
DROP INDEX "Post_slug_key";

-- AlterTable
ALTER TABLE "Post" DROP COLUMN "slug",
ADD COLUMN     "updatedAt" TIMESTAMP(3) NOT NULL;
`;
  it('classes every statement of a migration file', () => {
    const a = analyzeSql(migration);
    if (!a.ok) throw new Error(a.error);
    expect(a.statements.map((s) => [s.command, s.classes])).toEqual([
      ['CREATE TYPE', ['ddl']],
      ['CREATE TABLE', ['ddl']],
      ['CREATE INDEX', ['ddl']],
      ['ALTER TABLE', ['ddl']],
      ['DROP INDEX', ['ddl', 'drop']],
      ['ALTER TABLE', ['ddl', 'drop']],
    ]);
    expect(a.statements[1]!.tables).toEqual(['User']);
    expect(a.statements[2]!.text).toBe('CREATE UNIQUE INDEX "User_email_key" ON "User"("email")');
    expect(a.statements.every((s) => !s.readOnly)).toBe(true);
  });
});

describe('analyzeSql: unparseable and oversized input', () => {
  it.each([
    ['selec 1', /syntax error at or near "selec" at character 1/],
    ['$$', /unterminated dollar-quoted string/],
    ["select 'x", /unterminated quoted string/],
    ['select 1; selec 2', /syntax error at or near "selec" at character 11/],
    ['select (((1)', /syntax error/],
    ['DO $$ begin', /unterminated dollar-quoted string/],
  ])('%s', (sql, message) => {
    const a = analyzeSql(sql);
    expect(a.ok).toBe(false);
    expect(!a.ok && a.error).toMatch(message);
  });

  it('refuses text over MAX_SQL_BYTES without parsing it', () => {
    const sql = `select '${'x'.repeat(MAX_SQL_BYTES)}'`;
    expect(analyzeSql(sql)).toEqual({ ok: false, error: `statement text is longer than ${MAX_SQL_BYTES} bytes` });
  });

  it('counts bytes, not characters, at the limit', () => {
    const sql = `select '${'é'.repeat(MAX_SQL_BYTES / 2)}'`;
    expect(sql.length).toBeLessThan(MAX_SQL_BYTES);
    expect(analyzeSql(sql).ok).toBe(false);
  });

  it('parses a long statement just under the limit', () => {
    const sql = `select * from t where a in (1${',1'.repeat((MAX_SQL_BYTES - 64) / 2)})`;
    const s = only(sql);
    expect(s.classes).toEqual(['read']);
  });

  it('reports a tree too deep for the parser as unparseable, not a crash', () => {
    const a = analyzeSql(`select 1${'+1'.repeat(200_000)}`);
    expect(a.ok).toBe(false);
  });

  it('gives a result (not a crash) for deep nesting', () => {
    expect(analyzeSql(`select ${'('.repeat(100_000)}1${')'.repeat(100_000)}`).ok).toBe(false);
    expect(analyzeSql(`${'('.repeat(100_000)}select 1${')'.repeat(100_000)}`).ok).toBe(false);
    expect(only('select 1').classes).toEqual(['read']);
  });
});

describe('analyzeSql: cache', () => {
  it('returns the same frozen result for the same text', () => {
    clearSqlGuardCache();
    const a = analyzeSql('select * from t where id = $1');
    const b = analyzeSql('select * from t where id = $1');
    expect(b).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    expect(a.ok && Object.isFrozen(a.statements[0]!.classes)).toBe(true);
  });
});
