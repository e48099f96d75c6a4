// What a statement does to the session catalog when it runs, and whether a message must wait
// for the server before the gateway reads it (pg-client-messages.ts, pg-session-catalog.ts):
// SQL PREPARE/DEALLOCATE, DECLARE/CLOSE, DISCARD ALL change the catalog at the step of the group
// that runs them; a statement that names an object an earlier group is still changing, or whose
// reading depends on session settings, is read only once everything before it is answered.
import type { SessionObjects, StatementInfo } from '@jitgate/sql-guard';
import type { Group } from './pg-conversation.js';
import type { PgSessionCatalog, PreparedEntry } from './pg-session-catalog.js';
import { dependsOnSessionSettings, type StatementGuard } from './pg-statement-guard.js';

/** Whether a Query or Parse of `sql` must wait for the answers to everything before it. */
export function mustWait(sql: string, current: Group | undefined, catalog: PgSessionCatalog, guard: StatementGuard): boolean {
  if (dependsOnSessionSettings(sql)) return true;
  // Nothing is changing (the usual case): no name can be pending, no need to read the text here.
  if (!catalog.statements.changing && !catalog.portals.changing) return false;
  // A look for names an earlier group is still changing; the check after the wait is the real one.
  const statements = guard.analysis(sql);
  if (!statements) return false;
  for (const statement of statements) {
    const objects = statement.objects;
    if (!objects) continue;
    const names = [...(objects.executes ?? []), objects.prepares?.name, objects.deallocates].filter((n): n is string => n !== undefined);
    if (names.some((n) => n === '*' || catalog.statements.pending(n, current))) return true;
    const cursors = [objects.declares?.name, objects.fetches, objects.closes].filter((n): n is string => n !== undefined);
    if (cursors.some((n) => n === '*' || catalog.portals.pending(n, current))) return true;
    if (objects.discardsAll) return true;
  }
  return false;
}

/** The catalog changes a statement makes when it runs, at step `step` of `group`. */
export function applyObjects(catalog: PgSessionCatalog, guard: StatementGuard, statement: StatementInfo, group: Group, step: number): void {
  const objects: SessionObjects | undefined = statement.objects;
  if (!objects) return;
  const { statements, portals } = catalog;
  if (objects.prepares) {
    const { name, statement: inner } = objects.prepares;
    const info: StatementInfo = { ...statement, ...inner, text: statement.text, objects: undefined };
    statements.set(name, { sql: statement.text, info, verdict: guard.storedVerdict(info), lineage: inner.lineage }, group, step);
  }
  if (objects.deallocates === '*') for (const name of statements.names()) statements.set(name, undefined, group, step);
  else if (objects.deallocates !== undefined) statements.set(objects.deallocates, undefined, group, step);
  if (objects.declares) {
    const { name, hold, statement: inner } = objects.declares;
    const info: StatementInfo = { ...statement, ...inner, text: statement.text, objects: undefined };
    const entry: PreparedEntry = { sql: statement.text, info, verdict: { action: 'allow' }, lineage: inner.lineage };
    portals.set(name, { kind: 'cursor', statement: entry, parameters: null, hold, layout: undefined, described: false, approvedRun: false }, group, step);
  }
  if (objects.closes === '*') for (const name of portals.names()) portals.set(name, undefined, group, step);
  else if (objects.closes !== undefined) portals.set(objects.closes, undefined, group, step);
  if (objects.discardsAll) catalog.discardAll(group, step);
}
