// The session's statement rules (docs/postgres.md, "What the gateway checks"), bound once at
// login from the resolved guardrails (packages/policy guardrails.ts) and applied to every Query
// and Parse, and again at each Execute of a statement that names other objects. The parser and
// the decision are packages/sql-guard; this adds what only a Postgres session knows:
// - the settings pinned for the session (pgwire session-pins.ts) cannot be changed, whatever a
//   policy says: the gateway must keep reading SQL as the server does;
// - a read-only session cannot ask for a read-write transaction;
// - EXECUTE and FETCH are judged by the prepared statement or cursor they name, as the session
//   catalog knows it (pg-session-catalog.ts); a name the gateway does not know is refused where
//   that matters;
// - PREPARE is judged by the statement it stores; its approval waits for each EXECUTE;
// - where columns are masked: COPY … TO STDOUT and LISTEN (no column names to mask by) and
//   writing a masked column's values into a table (they would come back unmasked) are refused.
import type { Masker } from '@jitgate/masking';
import type { PinnedSettings } from '@jitgate/pgwire';
import type { ResolvedGuardrails } from '@jitgate/policy';
import { analyzeSql, evaluateGuardrails, READ_ONLY_CLASSES, type GuardrailRules, type StatementClass, type StatementInfo, type StatementLineage } from '@jitgate/sql-guard';
import type { PortalEntry, PreparedEntry } from './pg-session-catalog.js';

export type StatementVerdict =
  | { action: 'allow'; statements: readonly StatementInfo[]; flagged: string | undefined }
  | { action: 'block'; reason: string; rule: string; statement: string; sqlstate?: string }
  | { action: 'approve'; reason: string; classes: string[]; statements: readonly StatementInfo[]; prepared: Array<{ name: string; statement: string }> };

/** What the guard asks the session catalog. */
export interface CatalogView {
  prepared(name: string): PreparedEntry | undefined;
  portal(name: string): PortalEntry | undefined;
}

export class StatementGuard {
  private readonly rules: GuardrailRules;
  private readonly columnsMasked: boolean;
  private readonly pinned: ReadonlySet<string>;

  constructor(
    private readonly guardrails: ResolvedGuardrails,
    private readonly masker: Masker | null,
    pins: PinnedSettings,
  ) {
    this.rules = {
      readOnly: guardrails.sql.readOnly,
      block: guardrails.sql.block,
      allow: guardrails.sql.allow,
      requireApproval: guardrails.sql.requireApproval,
      unparseable: guardrails.sql.unparseable,
    };
    this.columnsMasked = guardrails.masking.columns.length > 0;
    // Any name that reaches a pinned setting: the settings themselves and the transaction
    // setting that default_transaction_read_only starts each transaction with.
    const names = new Set(Object.keys(pins).map((n) => n.toLowerCase()));
    if (names.has('default_transaction_read_only')) names.add('transaction_read_only');
    this.pinned = names;
  }

  /** The statements of `sql` (cached by sql-guard), or undefined when it cannot be read. */
  analysis(sql: string): readonly StatementInfo[] | undefined {
    const analysis = analyzeSql(sql);
    return analysis.ok ? analysis.statements : undefined;
  }

  check(sql: string, catalog: CatalogView): StatementVerdict {
    const analysis = analyzeSql(sql);
    if (!analysis.ok) return this.decide(analysis, sql, []);
    const statements: StatementInfo[] = [];
    const prepared: Array<{ name: string; statement: string }> = [];
    for (const statement of analysis.statements) {
      const refused = this.sessionRules(statement, catalog);
      if (refused) return refused;
      const resolved = this.resolve(statement, catalog, prepared);
      if ('action' in resolved) return resolved;
      statements.push(resolved);
    }
    return this.decide({ ok: true, statements }, sql, prepared);
  }

  private decide(analysis: Parameters<typeof evaluateGuardrails>[0], sql: string, prepared: Array<{ name: string; statement: string }>): StatementVerdict {
    const decision = evaluateGuardrails(analysis, this.rules);
    switch (decision.action) {
      case 'allow':
        return { action: 'allow', statements: analysis.ok ? analysis.statements : [], flagged: decision.flagged };
      case 'block':
        return { action: 'block', reason: decision.reason, rule: decision.class, statement: decision.statement?.text ?? sql };
      case 'approve':
        // Nobody named to decide: nothing can approve it, so it is refused (fail closed).
        if (!this.guardrails.sql.approvals) return { action: 'block', reason: `${decision.reason}, and no approvers are configured`, rule: 'approval', statement: sql };
        return { action: 'approve', reason: decision.reason, classes: [...decision.classes], statements: analysis.ok ? analysis.statements : [], prepared };
      default:
        return { action: 'block', reason: 'the statement could not be checked', rule: 'internal', statement: sql };
    }
  }

  /** What no policy relaxes: pinned settings, read-write transactions in a read-only session, masking's limits. */
  private sessionRules(statement: StatementInfo, catalog: CatalogView): StatementVerdict | undefined {
    const block = (rule: string, reason: string, sqlstate?: string): StatementVerdict => ({ action: 'block', rule, reason, statement: statement.text, ...(sqlstate ? { sqlstate } : {}) });
    const pinned = statement.settings.find((name) => name === '*' || this.pinned.has(name));
    if (pinned !== undefined) {
      const what = pinned === '*' ? 'a setting it cannot name' : pinned;
      return block('pinned_setting', `${statement.command} is refused: it changes ${what}, which this session holds fixed so that the gateway reads SQL exactly as the server does`);
    }
    if (this.rules.readOnly && statement.readWrite) return block('not_read_only', `${statement.command} is refused: this session is read-only and the statement asks for a read-write transaction`);
    if (this.columnsMasked) {
      if (statement.classes.includes('copy_out')) {
        return block('masking', 'COPY … TO STDOUT is refused on this connection: its columns are masked, and COPY output has no column names to mask by');
      }
      if (statement.command === 'LISTEN') return block('masking', 'LISTEN is refused on this connection: its columns are masked, and a notification has no column names to mask by');
      const writes = statement.lineage.writes;
      if (writes && (writes.opaque || writes.sources.some((name) => this.isMaskedColumn(name)))) {
        return block('masking', `${statement.command} is refused: it writes values of masked columns into a table, from where they would come back unmasked`);
      }
    }
    const prepares = statement.objects?.prepares;
    if (prepares && catalog.prepared(prepares.name)) return block('duplicate', `prepared statement "${prepares.name}" already exists`, '42P05');
    const fetches = statement.objects?.fetches;
    if (fetches !== undefined && !catalog.portal(fetches) && this.masker) {
      return block('unknown_cursor', `cursor "${fetches}" is not one the gateway saw declared, so its rows cannot be masked`, '34000');
    }
    return undefined;
  }

  /**
   * The statement as it will run: an EXECUTE judged by what it runs, a PREPARE by what it
   * stores (its approval waits for each EXECUTE), a FETCH masked by its cursor's query.
   */
  private resolve(statement: StatementInfo, catalog: CatalogView, prepared: Array<{ name: string; statement: string }>): StatementInfo | StatementVerdict {
    const objects = statement.objects;
    if (!objects) return statement;
    if (objects.executes) {
      const classes = new Set<StatementClass>(statement.classes.filter((c) => c !== 'execute'));
      let readOnly = statement.functions.length === 0 && [...classes].every((c) => READ_ONLY_CLASSES.has(c));
      let lineage: StatementLineage | null = statement.lineage;
      for (const name of objects.executes) {
        const entry = catalog.prepared(name);
        if (!entry?.info) return { action: 'block', rule: 'unknown_prepared', reason: `prepared statement "${name}" is not one the gateway saw prepared`, statement: statement.text, sqlstate: '26000' };
        for (const c of entry.info.classes) classes.add(c);
        readOnly &&= entry.info.readOnly;
        lineage = entry.lineage;
        prepared.push({ name, statement: entry.sql });
      }
      return { ...statement, classes: [...classes], readOnly, notReadOnly: readOnly ? [] : [...statement.notReadOnly, 'EXECUTE of a statement that is not read-only'], lineage: lineage ?? statement.lineage };
    }
    if (objects.prepares) {
      // Judged by what it stores: blocks and read-only now; approval at each EXECUTE.
      const inner = objects.prepares.statement;
      const classes = inner.classes.filter((c) => !this.rules.requireApproval.includes(c));
      return { ...statement, classes: ['prepare', ...classes], readOnly: inner.readOnly, notReadOnly: inner.readOnly ? [] : ['the prepared statement is not read-only'] };
    }
    if (objects.fetches !== undefined) {
      const cursor = catalog.portal(objects.fetches);
      return cursor?.statement.lineage ? { ...statement, lineage: cursor.statement.lineage } : statement;
    }
    return statement;
  }

  /** What a stored statement needs at each execution: an approval, or nothing (blocks were checked when it was prepared). */
  storedVerdict(statement: StatementInfo): PreparedEntry['verdict'] {
    const classes = statement.classes.filter((c) => this.rules.requireApproval.includes(c));
    if (classes.length === 0) return { action: 'allow' };
    return { action: 'approve', classes, reason: `${statement.command} requires approval: class${classes.length > 1 ? 'es' : ''} ${classes.map((c) => `'${c}'`).join(', ')} in the approval list` };
  }

  private isMaskedColumn(name: string): boolean {
    return this.masker?.columnRule(name) === 'mask';
  }
}

/** Whether how the server reads `sql` depends on session settings: a backslash, or a byte past ASCII. */
export function dependsOnSessionSettings(sql: string): boolean {
  return /[\\\u0080-\uffff]/.test(sql);
}
