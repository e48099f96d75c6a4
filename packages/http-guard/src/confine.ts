/**
 * Data-API confinement (docs/http.md "A connection reaches only its data API"): which REST
 * operations a connection of each type can reach, whatever the policy says. BigQuery and Cloud
 * Storage connections get an allow-list of exact path shapes; anything else (IAM methods, other
 * projects, dataset/table create/patch/delete, batch endpoints, bucket listing) is refused, so
 * a token minted for data can never reach the control plane through the gateway.
 */
import type { HttpConnectionType } from '@jitgate/contracts';
import type { BigQueryClass } from './types.js';
import { parseTarget, queryValue, type ParsedTarget } from './target.js';
import { echo } from './echo.js';

/** What the body of a request must be read for. */
export type BodyKind = 'bigquery-query' | 'bigquery-job' | 'none';

export interface Route {
  operation: string;
  body: BodyKind;
  /** Tables the REST operation itself reads or writes (qualified `project.dataset.table`). */
  reads: string[];
  writes: string[];
  classes: BigQueryClass[];
  bucket?: string;
  object?: string;
}

export type RouteResult = { ok: true; route: Route; target: ParsedTarget } | { ok: false; reason: string; target?: ParsedTarget };

export const KNOWN_METHOD = /^[A-Z]{1,16}$/;

export function routeRequest(type: HttpConnectionType, settings: Record<string, unknown>, method: string, rawTarget: string): RouteResult {
  if (typeof method !== 'string' || !KNOWN_METHOD.test(method) || method === 'CONNECT' || method === 'TRACE') {
    return { ok: false, reason: `method "${echo(String(method), 20)}" is not allowed` };
  }
  const parsed = parseTarget(rawTarget);
  if (!parsed.ok) return parsed;
  const t = parsed.target;
  switch (type) {
    case 'bigquery':
      return withTarget(bigqueryRoute(settings, method, t), t);
    case 'gcs':
      return withTarget(gcsRoute(settings, method, t), t);
    case 'http':
    case 'cloudrun':
    case 'mcp':
      // Any path, but never one whose meaning depends on whether the target decodes `%2F`.
      if (t.slashed.size > 0) return { ok: false, reason: 'path contains an encoded "/" (%2F), which servers read differently', target: t };
      return { ok: true, route: plain('http'), target: t };
    default:
      return { ok: false, reason: 'unknown connection type' };
  }
}

function withTarget(r: Route | string, target: ParsedTarget): RouteResult {
  return typeof r === 'string' ? { ok: false, reason: r, target } : { ok: true, route: r, target };
}

function plain(operation: string, extra: Partial<Route> = {}): Route {
  return { operation, body: 'none', reads: [], writes: [], classes: [], ...extra };
}

const OUTSIDE_BIGQUERY = 'path is outside the BigQuery data API of this connection';

function bigqueryRoute(settings: Record<string, unknown>, method: string, t: ParsedTarget): Route | string {
  const project = settings['projectId'];
  if (typeof project !== 'string' || project === '') return 'connection has no settings.projectId';
  const s = t.segments;
  if (t.slashed.size > 0) return OUTSIDE_BIGQUERY;
  if (s[0] === 'upload') {
    if (s.length !== 6 || s[1] !== 'bigquery' || s[2] !== 'v2' || s[3] !== 'projects' || s[4] !== project || s[5] !== 'jobs') return OUTSIDE_BIGQUERY;
    // Load-job uploads: the POST carries the job (decided); a PUT continues an upload session
    // that only Google can have opened, named by `upload_id`.
    if (method === 'POST') return plain('bigquery.jobs.insert', { body: 'bigquery-job' });
    if (method === 'PUT' && typeof queryValue(t, 'upload_id') === 'string') return plain('bigquery.jobs.upload');
    return OUTSIDE_BIGQUERY;
  }
  if (s.length < 5 || s[0] !== 'bigquery' || s[1] !== 'v2' || s[2] !== 'projects') return OUTSIDE_BIGQUERY;
  if (s[3] !== project) return `project "${echo(s[3] ?? '', 100)}" is not this connection's project`;
  const rest = s.slice(4);
  // Custom methods (`:getIamPolicy`, `:setIamPolicy`, `:testIamPermissions`) and empty ids.
  if (rest.some((x) => x === '' || x.includes(':'))) return OUTSIDE_BIGQUERY;
  const table = (d: string, tb: string): string => `${project}.${d}.${stripDecorator(tb)}`;
  const [a, b, c, d, e] = rest;
  const n = rest.length;
  if (a === 'queries') {
    if (n === 1 && method === 'POST') return plain('bigquery.jobs.query', { body: 'bigquery-query' });
    if (n === 2 && method === 'GET') return plain('bigquery.jobs.getQueryResults');
  } else if (a === 'jobs') {
    if (n === 1 && method === 'POST') return plain('bigquery.jobs.insert', { body: 'bigquery-job' });
    if (n === 1 && method === 'GET') return plain('bigquery.jobs.list');
    if (n === 2 && method === 'GET') return plain('bigquery.jobs.get');
    if (n === 3 && c === 'cancel' && method === 'POST') return plain('bigquery.jobs.cancel');
  } else if (a === 'datasets' && method === 'GET') {
    if (n === 1) return plain('bigquery.datasets.list');
    if (n === 2) return plain('bigquery.datasets.get');
    if (n === 3 && c === 'tables') return plain('bigquery.tables.list');
    // Table metadata counts as a read of the table: it reveals the schema.
    if (n === 4 && c === 'tables') return plain('bigquery.tables.get', { reads: [table(b!, d!)], classes: ['select'] });
    if (n === 5 && c === 'tables' && e === 'data') return plain('bigquery.tabledata.list', { reads: [table(b!, d!)], classes: ['select'] });
  } else if (a === 'datasets' && method === 'POST' && n === 5 && c === 'tables' && e === 'insertAll') {
    return plain('bigquery.tabledata.insertAll', { writes: [table(b!, d!)], classes: ['insert'] });
  }
  return OUTSIDE_BIGQUERY;
}

/** `t$20240101` (a partition) and `t@1700000000` (a snapshot) name table `t`. */
export function stripDecorator(table: string): string {
  const cut = table.search(/[$@]/);
  return cut > 0 ? table.slice(0, cut) : table;
}

const OUTSIDE_GCS = 'path is outside the Cloud Storage object API of this connection';
const BUCKET = /^[a-z0-9][a-z0-9._-]{0,221}$/;

function gcsRoute(settings: Record<string, unknown>, method: string, t: ParsedTarget): Route | string {
  const allowed = settings['buckets'];
  if (allowed !== undefined && !(Array.isArray(allowed) && allowed.every((b) => typeof b === 'string'))) return 'connection settings.buckets is not a list of bucket names';
  const list = allowed as string[] | undefined;
  const s = t.segments;
  const checkBucket = (b: string | undefined): string | null => {
    if (b === undefined || !BUCKET.test(b)) return OUTSIDE_GCS;
    if (list !== undefined && !list.includes(b)) return `bucket "${echo(b, 100)}" is not one of this connection's buckets`;
    return null;
  };
  // Only object-name segments may hold an encoded "/": index 5 (6 under /download), and the
  // destination object (10) of copyTo / rewriteTo.
  const objectSegments = s[0] === 'download' ? [6] : s[6] === 'copyTo' || s[6] === 'rewriteTo' ? [5, 10] : [5];
  if ([...t.slashed].some((i) => !objectSegments.includes(i))) return OUTSIDE_GCS;
  const isJson = s[0] === 'storage' && s[1] === 'v1' && s[2] === 'b';
  if (isJson) {
    const bucket = s[3];
    const bad = checkBucket(bucket);
    if (bad !== null) return bad;
    const b = bucket!;
    const n = s.length;
    if (n === 4 && method === 'GET') return plain('gcs.buckets.get', { bucket: b });
    if (s[4] !== 'o') return OUTSIDE_GCS;
    if (n === 5 && method === 'GET') return plain('gcs.objects.list', { bucket: b });
    if (n === 5 && method === 'POST') return withName(plain('gcs.objects.insert', { bucket: b }), t);
    const object = s[5];
    if (object === undefined || object === '') return OUTSIDE_GCS;
    const ops: Record<string, string> = { GET: 'gcs.objects.get', PATCH: 'gcs.objects.patch', PUT: 'gcs.objects.update', DELETE: 'gcs.objects.delete' };
    if (n === 6 && ops[method] !== undefined) return plain(ops[method]!, { bucket: b, object });
    if (n === 7 && s[6] === 'compose' && method === 'POST') return plain('gcs.objects.compose', { bucket: b, object });
    if (n === 11 && (s[6] === 'copyTo' || s[6] === 'rewriteTo') && s[7] === 'b' && s[9] === 'o' && method === 'POST') {
      const badDest = checkBucket(s[8]);
      if (badDest !== null) return badDest;
      if (s[10] === '') return OUTSIDE_GCS;
      return plain(s[6] === 'copyTo' ? 'gcs.objects.copy' : 'gcs.objects.rewrite', { bucket: b, object });
    }
    return OUTSIDE_GCS;
  }
  if (s[0] === 'upload' && s[1] === 'storage' && s[2] === 'v1' && s[3] === 'b' && s.length === 6 && s[5] === 'o' && (method === 'POST' || method === 'PUT')) {
    const bad = checkBucket(s[4]);
    return bad ?? withName(plain('gcs.objects.upload', { bucket: s[4]! }), t);
  }
  if (s[0] === 'download' && s[1] === 'storage' && s[2] === 'v1' && s[3] === 'b' && s.length === 7 && s[5] === 'o' && method === 'GET' && s[6] !== '') {
    const bad = checkBucket(s[4]);
    return bad ?? plain('gcs.objects.download', { bucket: s[4]!, object: s[6]! });
  }
  return OUTSIDE_GCS;
}

/** Uploads and inserts name their object in the `name` query parameter (or the body). */
function withName(route: Route, t: ParsedTarget): Route {
  const name = queryValue(t, 'name');
  return typeof name === 'string' && name !== '' ? { ...route, object: name } : route;
}
