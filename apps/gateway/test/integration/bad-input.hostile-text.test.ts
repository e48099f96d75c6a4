// Bad input, through HTTP, on real Postgres and Redis: hostile and unusual text (SQL and CEL
// look-alikes, unicode, NUL, lone surrogates, long strings) in every text field is either refused
// with a 400 in the one error shape that writes nothing, or stored and returned exactly as sent.
// The fields and texts: test/support/hostile-text-fields.ts; the set-up and the snapshot compared
// around a refusal: test/support/bad-input-suite.ts.
import { describe, expect, it } from 'vitest';
import { publicTables, serverErrorSeries, useBadInputSuite } from '../support/bad-input-suite.js';
import { expectError } from '../support/error-assertions.js';
import { HOSTILE_TEXTS, hostileTextFields } from '../support/hostile-text-fields.js';

describe('bad input', () => {
  const suite = useBadInputSuite();

  describe('hostile and unusual text in every text field', () => {
    it('either refuses each with a 400 that writes nothing, or stores and returns it verbatim', async () => {
      const outcomes: string[] = [];
      for (const field of hostileTextFields(suite)) {
        for (const [label, value] of HOSTILE_TEXTS) {
          await field.prepare?.();
          const before = await suite.snapshot();
          const res = await field.send(value);
          const where = `${field.name} <- ${label}`;
          if (res.status === 400) {
            expectError(res, 400, 'validation_failed');
            expect(await suite.snapshot(), where).toEqual(before);
            outcomes.push(`${where}: refused`);
          } else {
            expect([200, 201], `${where}: ${JSON.stringify(res.body).slice(0, 400)}`).toContain(res.status);
            expect(await field.readBack(res.body), where).toBe(value);
            outcomes.push(`${where}: stored`);
          }
        }
      }
      // Postgres can store neither U+0000 nor a lone surrogate: sent as such, they must be refused.
      // (Inside a CEL string literal they travel as the escape text "\u0000", which is stored.)
      expect(outcomes.filter((o) => /<- (nul|lone-surrogate): stored/.test(o) && !o.includes('CEL string literal'))).toEqual([]);
      // Some hostile text is legitimately stored, which is what makes the checks above bite.
      expect(outcomes.filter((o) => o.endsWith('stored')).length).toBeGreaterThan(40);
    }, 240_000);

    it('leaves every table in place and the audit chain intact', async () => {
      const now = await publicTables(suite.db);
      expect(now).toEqual(suite.tables);
      for (const table of suite.tables) {
        expect((await suite.db.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [`public.${table}`])).rows[0]?.t).toBe(table);
      }
      const verify = await suite.gw.admin.get('/v1/audit/verify');
      expect(verify.body).toMatchObject({ ok: true });
      expect((await suite.alice.api.get('/v1/grants?active=true')).status).toBe(200);
    });
  });

  // Each bad-input file checks this for its own gateway on the way out (bad-input-suite.ts).
  it('never answered with a 5xx during this suite', async () => {
    expect(await serverErrorSeries(suite.gw)).toEqual([]);
  });
});
