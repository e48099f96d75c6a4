/**
 * What a BigQuery REST body asks for: the SQL of jobs.query (`POST …/queries`) and of query jobs,
 * and the tables of load, extract and copy jobs (`POST …/jobs`). Field names from the BigQuery
 * v2 REST reference (QueryRequest, JobConfiguration*). Anything malformed is `unknown`, never a
 * guess: the decision refuses it when a BigQuery rule applies.
 */
import { stripDecorator, type BodyKind } from './confine.js';
import { analyzeBigQuerySql } from './sql-analysis.js';
import type { QualifyContext } from './sql-paths.js';
import type { BigQueryClass } from './types.js';

export interface BigQueryBodyAnalysis {
  sql?: string;
  classes: BigQueryClass[];
  reads: string[];
  writes: string[];
  unknown: string[];
  unresolved: string[];
  legacySql: boolean;
  dryRun: boolean;
}

const MAX_BODY_TEXT = 10 * 1024 * 1024;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function empty(): BigQueryBodyAnalysis {
  return { classes: [], reads: [], writes: [], unknown: [], unresolved: [], legacySql: false, dryRun: false };
}

function unknownBody(reason: string): BigQueryBodyAnalysis {
  return { ...empty(), classes: ['unknown'], unknown: [reason] };
}

export function analyzeBigQueryBody(kind: BodyKind, body: unknown, projectId: string): BigQueryBodyAnalysis {
  let value = body;
  if (typeof value === 'string' && value.length <= MAX_BODY_TEXT) {
    try {
      value = JSON.parse(value) as unknown;
    } catch {
      return unknownBody('the request body is not JSON');
    }
  }
  if (!isRecord(value)) return unknownBody('the request body is not a JSON object');
  try {
    if (kind === 'bigquery-query') return queryConfig(value, projectId, value['dryRun']);
    if (kind === 'bigquery-job') return jobBody(value, projectId);
  } catch {
    // A throwing getter or a proxy: not what a JSON parser makes.
    return unknownBody('the request body cannot be read');
  }
  return empty();
}

function jobBody(body: Record<string, unknown>, projectId: string): BigQueryBodyAnalysis {
  const config = body['configuration'];
  if (!isRecord(config)) return unknownBody('the job has no configuration');
  const kinds = ['query', 'load', 'extract', 'copy'].filter((k) => config[k] !== undefined);
  if (kinds.length !== 1) return unknownBody('the job must have exactly one of query, load, extract or copy');
  const kind = kinds[0]!;
  const c = config[kind];
  if (!isRecord(c)) return unknownBody(`configuration.${kind} is not an object`);
  const dryRunValue = config['dryRun'];
  if (kind === 'query') {
    const out = queryConfig(c, projectId, dryRunValue);
    if (c['destinationTable'] !== undefined) tableRef(c['destinationTable'], projectId, out.writes, out.unresolved, 'configuration.query.destinationTable');
    return out;
  }
  const out = empty();
  out.dryRun = dryRunValue === true;
  if (kind === 'load') {
    out.classes = ['load'];
    tableRef(c['destinationTable'], projectId, out.writes, out.unresolved, 'configuration.load.destinationTable');
  } else if (kind === 'extract') {
    out.classes = ['export'];
    // Both fields are checked when both are sent: a decision never rests on which one wins.
    const model = c['sourceModel'];
    if (c['sourceTable'] !== undefined || model === undefined) tableRef(c['sourceTable'], projectId, out.reads, out.unresolved, 'configuration.extract.sourceTable');
    if (model !== undefined) tableRef(isRecord(model) ? { ...model, tableId: model['modelId'] } : model, projectId, out.reads, out.unresolved, 'configuration.extract.sourceModel');
  } else {
    // A copy writes rows into its destination: it counts as an insert.
    out.classes = ['insert'];
    const many = c['sourceTables'];
    if (many !== undefined && !(Array.isArray(many) && many.length > 0 && many.length <= 1000)) out.unresolved.push('configuration.copy.sourceTables is not a list of tables');
    const sources = [...(Array.isArray(many) ? many.slice(0, 1000) : []), ...(c['sourceTable'] === undefined ? [] : [c['sourceTable']])];
    if (sources.length === 0) out.unresolved.push('configuration.copy has no source table');
    for (const s of sources) tableRef(s, projectId, out.reads, out.unresolved, 'configuration.copy source');
    tableRef(c['destinationTable'], projectId, out.writes, out.unresolved, 'configuration.copy.destinationTable');
  }
  return out;
}

function queryConfig(c: Record<string, unknown>, projectId: string, dryRun: unknown): BigQueryBodyAnalysis {
  const query = c['query'];
  if (typeof query !== 'string') return unknownBody('the request has no query text');
  const legacyFlag = c['useLegacySql'];
  if (legacyFlag !== undefined && typeof legacyFlag !== 'boolean') return { ...unknownBody('useLegacySql is not a boolean'), sql: query };
  // The REST API defaults useLegacySql to true; a #standardSQL / #legacySQL prefix decides. BigQuery
  // documents the prefix as the query's first line, alone on it: anything looser could be read
  // as standard SQL here and as legacy SQL there, so it is not taken as a prefix (then legacy,
  // refused when a rule applies, unless useLegacySql is false).
  const prefix = /^#(standardsql|legacysql)(\r?\n|$)/i.exec(query)?.[1]?.toLowerCase();
  const legacy = prefix === 'legacysql' || (prefix !== 'standardsql' && legacyFlag !== false);
  if (legacy) return { ...unknownBody('legacy SQL is not analysed'), sql: query, legacySql: true, dryRun: dryRun === true };
  const ctx: QualifyContext = { projectId };
  const dd = c['defaultDataset'];
  if (dd !== undefined && dd !== null) {
    if (!isRecord(dd) || typeof dd['datasetId'] !== 'string' || dd['datasetId'] === '' || (dd['projectId'] !== undefined && typeof dd['projectId'] !== 'string')) {
      return { ...unknownBody('defaultDataset is malformed'), sql: query };
    }
    ctx.defaultDataset = { projectId: (dd['projectId'] as string | undefined) || projectId, datasetId: dd['datasetId'] };
  }
  const defs = c['tableDefinitions'];
  const external = isRecord(defs) ? Object.keys(defs) : [];
  const a = analyzeBigQuerySql(query, ctx, external);
  return { sql: query, classes: a.classes, reads: a.tables.read, writes: a.tables.written, unknown: a.unknown, unresolved: a.unresolved, legacySql: false, dryRun: dryRun === true };
}

/** A TableReference `{ projectId?, datasetId, tableId }` as `project.dataset.table`. */
function tableRef(ref: unknown, projectId: string, into: string[], problems: string[], where: string): void {
  if (!isRecord(ref)) {
    problems.push(`${where} is missing`);
    return;
  }
  const p = ref['projectId'] ?? projectId;
  const d = ref['datasetId'];
  const t = ref['tableId'];
  const ok = (v: unknown): v is string => typeof v === 'string' && v !== '' && !v.includes('.');
  if (!ok(p) || !ok(d) || !ok(t)) {
    problems.push(`${where} is not a table reference`);
    return;
  }
  into.push(`${p}.${d}.${stripDecorator(t)}`);
}
