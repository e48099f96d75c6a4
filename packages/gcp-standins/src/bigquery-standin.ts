// A stand-in for the BigQuery v2 REST API (bigquery.googleapis.com) as @google-cloud/bigquery 8.x
// calls it, for one project with in-memory tables:
//   POST /bigquery/v2/projects/{p}/queries            jobs.query (the client's query() fast path)
//   GET  /bigquery/v2/projects/{p}/queries/{jobId}    jobs.getQueryResults
//   POST /bigquery/v2/projects/{p}/jobs               jobs.insert (createQueryJob())
//   GET  /bigquery/v2/projects/{p}/jobs/{jobId}       jobs.get
//   GET  /bigquery/v2/projects/{p}/datasets/{d}/tables/{t}[/data]   tables.get, tabledata.list
// Every call needs a live token minted by the IAM stand-in with the BigQuery or cloud-platform
// scope (reads also accept the read-only scopes), and optionally a service account on `members`.
// Queries run at once (jobComplete: true); the statements that arrived are kept in `statements`.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseStatement, rowsJson, runSelect, schemaJson, type BigQueryTable, type QueryResult, type StatementKind } from './bigquery-sql.js';
import {
  authenticate,
  badRequest,
  CLOUD_PLATFORM,
  CLOUD_PLATFORM_READ_ONLY,
  GoogleApiError,
  notFound,
  readJson,
  sendJson,
  serveGoogleApi,
  type GoogleApiCall,
  type TokenIntrospector,
} from './google-api-http.js';

export const BIGQUERY_SCOPE = 'https://www.googleapis.com/auth/bigquery';
export const BIGQUERY_READ_ONLY_SCOPE = 'https://www.googleapis.com/auth/bigquery.readonly';
/** jobs.query and jobs.insert (Google's discovery document lists these two, and read-only cloud-platform). */
const RUN_SCOPES = [BIGQUERY_SCOPE, CLOUD_PLATFORM];
const READ_SCOPES = [BIGQUERY_SCOPE, CLOUD_PLATFORM, BIGQUERY_READ_ONLY_SCOPE, CLOUD_PLATFORM_READ_ONLY];

export interface BigQueryStandinOptions {
  /** Looks up bearer tokens: the IAM Credentials stand-in. */
  iam: TokenIntrospector;
  projectId: string;
  /** In-memory tables, keyed `dataset.table`. */
  tables?: Readonly<Record<string, BigQueryTable>>;
  /** Service accounts with access to the project (others get 403 accessDenied); default: any minted token. */
  members?: readonly string[];
}

export interface BigQueryStatement {
  sql: string;
  kind: StatementKind;
  principal: string;
  jobId: string;
}

export interface BigQueryStandin {
  /** The client's `apiEndpoint`. */
  readonly url: string;
  readonly calls: readonly GoogleApiCall[];
  /** Every statement that reached the stand-in (and passed authentication), in order. */
  readonly statements: readonly BigQueryStatement[];
  close(): Promise<void>;
}

interface Job {
  jobId: string;
  sql: string;
  kind: StatementKind;
  result: QueryResult;
  affectedRows: number | undefined;
  principal: string;
}

const LOCATION = 'US';

export async function startBigQueryStandin(options: BigQueryStandinOptions): Promise<BigQueryStandin> {
  const { iam, projectId } = options;
  const tables = options.tables ?? {};
  const calls: GoogleApiCall[] = [];
  const statements: BigQueryStatement[] = [];
  const jobs = new Map<string, Job>();

  /** Authenticates, checks the scope and the project's members; returns the principal. */
  function authorize(req: IncomingMessage, project: string, scopes: readonly string[], permission: string): string {
    const token = authenticate(req, iam, scopes);
    const member = !options.members || options.members.includes(token.serviceAccount);
    if (project !== projectId || !member) {
      throw new GoogleApiError(403, 'PERMISSION_DENIED', `Access Denied: Project ${project}: User does not have ${permission} permission in project ${project}.`, 'accessDenied');
    }
    return token.serviceAccount;
  }

  function run(sql: unknown, principal: string, jobId: string): Job {
    if (typeof sql !== 'string' || !sql.trim()) throw badRequest('Query text is required.', 'required');
    const statement = parseStatement(sql);
    const result = statement.kind === 'select' ? runSelect(statement, projectId, tables) : { fields: [], rows: [] };
    const job: Job = { jobId, sql, kind: statement.kind, result, affectedRows: statement.kind === 'dml' ? 0 : undefined, principal };
    jobs.set(jobId, job);
    statements.push({ sql, kind: statement.kind, principal, jobId });
    return job;
  }

  function findJob(jobId: string): Job {
    const job = jobs.get(jobId);
    if (!job) throw notFound(`Not found: Job ${projectId}:${LOCATION}.${jobId}`);
    return job;
  }

  const jobReference = (job: Job) => ({ projectId, jobId: job.jobId, location: LOCATION });

  /** The body of jobs.query and jobs.getQueryResults: a page of rows from `pageToken` (an offset). */
  function results(job: Job, url: URL | undefined, body: Record<string, unknown> = {}): Record<string, unknown> {
    const param = (name: string) => url?.searchParams.get(name) ?? undefined;
    const start = Number(param('pageToken') ?? param('startIndex') ?? 0);
    const max = Number(param('maxResults') ?? body['maxResults'] ?? job.result.rows.length);
    const page = job.result.rows.slice(start, start + max);
    const int64 = param('formatOptions.useInt64Timestamp') === 'true' || (body['formatOptions'] as { useInt64Timestamp?: boolean } | undefined)?.useInt64Timestamp === true;
    const next = start + page.length < job.result.rows.length ? String(start + page.length) : undefined;
    return {
      kind: 'bigquery#getQueryResultsResponse',
      jobReference: jobReference(job),
      jobComplete: true,
      totalBytesProcessed: '0',
      cacheHit: false,
      ...(job.kind === 'select' ? { schema: schemaJson(job.result.fields), totalRows: String(job.result.rows.length), rows: rowsJson(job.result.fields, page, int64) } : { totalRows: '0' }),
      ...(job.affectedRows !== undefined ? { numDmlAffectedRows: String(job.affectedRows) } : {}),
      ...(next ? { pageToken: next } : {}),
    };
  }

  function jobResource(job: Job): Record<string, unknown> {
    return {
      kind: 'bigquery#job',
      id: `${projectId}:${LOCATION}.${job.jobId}`,
      jobReference: jobReference(job),
      configuration: { jobType: 'QUERY', query: { query: job.sql, useLegacySql: false } },
      status: { state: 'DONE' },
      statistics: { query: { totalBytesProcessed: '0', statementType: job.kind === 'select' ? 'SELECT' : job.kind.toUpperCase() } },
      user_email: job.principal,
    };
  }

  function tableFor(dataset: string, table: string) {
    const found = tables[`${dataset}.${table}`];
    if (!found) throw notFound(`Not found: Table ${projectId}:${dataset}.${table}`);
    return found;
  }

  async function handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname.split('/').map(decodeURIComponent);
    // ['', 'bigquery', 'v2', 'projects', p, …]
    if (path[1] !== 'bigquery' || path[2] !== 'v2' || path[3] !== 'projects' || !path[4]) throw notFound(`Not found: ${url.pathname}`);
    const project = path[4];
    const rest = path.slice(5);
    const route = `${req.method} ${rest[0] ?? ''}${rest.length > 1 ? '/:id' : ''}${rest.length > 3 ? `/${rest[2]}/:id` : ''}${rest.length > 4 ? `/${rest[4]}` : ''}`;

    switch (route) {
      case 'POST queries': {
        const principal = authorize(req, project, RUN_SCOPES, 'bigquery.jobs.create');
        const body = await readJson(req);
        if (body['useLegacySql'] === true) throw badRequest('The BigQuery stand-in speaks standard SQL only (useLegacySql: false).', 'invalidQuery');
        const job = run(body['query'], principal, `job_${randomUUID().replace(/-/g, '')}`);
        return sendJson(res, 200, { ...results(job, undefined, body), kind: 'bigquery#queryResponse' });
      }
      case 'GET queries/:id': {
        authorize(req, project, READ_SCOPES, 'bigquery.jobs.get');
        return sendJson(res, 200, results(findJob(rest[1] as string), url));
      }
      case 'POST jobs': {
        const principal = authorize(req, project, RUN_SCOPES, 'bigquery.jobs.create');
        const body = await readJson(req);
        const query = (body['configuration'] as { query?: { query?: unknown } } | undefined)?.query;
        if (!query) throw badRequest('The BigQuery stand-in runs query jobs only (configuration.query).', 'invalid');
        const jobId = (body['jobReference'] as { jobId?: unknown } | undefined)?.jobId;
        if (typeof jobId === 'string' && jobs.has(jobId)) throw new GoogleApiError(409, 'ALREADY_EXISTS', `Already Exists: Job ${projectId}:${LOCATION}.${jobId}`, 'duplicate');
        const job = run(query.query, principal, typeof jobId === 'string' && jobId ? jobId : `job_${randomUUID().replace(/-/g, '')}`);
        return sendJson(res, 200, jobResource(job));
      }
      case 'GET jobs/:id': {
        authorize(req, project, READ_SCOPES, 'bigquery.jobs.get');
        return sendJson(res, 200, jobResource(findJob(rest[1] as string)));
      }
      case 'GET datasets/:id/tables/:id': {
        authorize(req, project, READ_SCOPES, 'bigquery.tables.get');
        const [dataset, table] = [rest[1] as string, rest[3] as string];
        const found = tableFor(dataset, table);
        return sendJson(res, 200, {
          kind: 'bigquery#table',
          id: `${projectId}:${dataset}.${table}`,
          tableReference: { projectId, datasetId: dataset, tableId: table },
          schema: schemaJson(found.schema),
          numRows: String(found.rows.length),
          type: 'TABLE',
          location: LOCATION,
        });
      }
      case 'GET datasets/:id/tables/:id/data': {
        authorize(req, project, READ_SCOPES, 'bigquery.tables.getData');
        const found = tableFor(rest[1] as string, rest[3] as string);
        const start = Number(url.searchParams.get('pageToken') ?? url.searchParams.get('startIndex') ?? 0);
        const max = Number(url.searchParams.get('maxResults') ?? found.rows.length);
        const page = found.rows.slice(start, start + max);
        const next = start + page.length < found.rows.length ? String(start + page.length) : undefined;
        return sendJson(res, 200, {
          kind: 'bigquery#tableDataList',
          totalRows: String(found.rows.length),
          rows: rowsJson(found.schema, page, url.searchParams.get('formatOptions.useInt64Timestamp') === 'true'),
          ...(next ? { pageToken: next } : {}),
        });
      }
      default:
        throw notFound(`Not found: ${req.method} ${url.pathname}`);
    }
  }

  const server = await serveGoogleApi(iam, calls, handle);
  return { url: server.url, calls, statements, close: () => server.close() };
}
