// Request bodies and queries are validated with zod (strict: unknown fields are an error) and
// the same schemas document the API in the OpenAPI, so the two cannot drift apart.
import { applyDecorators, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ApiBody, ApiQuery } from '@nestjs/swagger';
import { z } from 'zod';
import { JitgateError } from '../errors/jitgate.error.js';

export function openApiSchema(schema: z.ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}

function issuesOf(error: z.ZodError): Array<{ path: string; message: string }> {
  return error.issues.map((issue) => ({ path: issue.path.join('.') || '(root)', message: issue.message }));
}

// PostgreSQL can store neither U+0000 (in text or jsonb) nor an unpaired UTF-16 surrogate (it
// has no UTF-8 form: jsonb refuses its escape, text gets U+FFFD instead). zod's string checks let
// both through, so such input became a 500 from the database or was stored altered. A
// `__proto__` key is refused too: z.record drops it silently instead of checking it. Walked
// without recursion, since a body may nest thousands of levels deep.
// Pinned by test/integration/bad-input.test.ts.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const unstorable = (text: string) => text.includes('\u0000') || LONE_SURROGATE.test(text);
const MAX_TEXT_ISSUES = 20;

function unstorableTextIssues(root: unknown): Array<{ path: string; message: string }> {
  type Node = { value: unknown; key: string | null; parent: Node | null };
  const pathOf = (node: Node) => {
    const keys: string[] = [];
    for (let at: Node | null = node; at && at.key !== null; at = at.parent) keys.unshift(at.key);
    return (keys.length > 32 ? [...keys.slice(0, 32), '…'] : keys).join('.') || '(root)';
  };
  const issues: Array<{ path: string; message: string }> = [];
  const stack: Node[] = [{ value: root, key: null, parent: null }];
  while (stack.length > 0 && issues.length < MAX_TEXT_ISSUES) {
    const node = stack.pop() as Node;
    const { value } = node;
    if (typeof value === 'string') {
      if (unstorable(value)) issues.push({ path: pathOf(node), message: 'must not contain NUL (U+0000) characters or unpaired UTF-16 surrogates' });
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => void stack.push({ value: item, key: String(index), parent: node }));
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) {
        const child = { value: item, key, parent: node };
        if (key === '__proto__') issues.push({ path: pathOf(child), message: 'reserved key' });
        else if (unstorable(key)) issues.push({ path: pathOf(child), message: 'keys must not contain NUL (U+0000) characters or unpaired UTF-16 surrogates' });
        stack.push(child);
      }
    }
  }
  return issues;
}

export function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, where: 'body' | 'query'): z.output<T> {
  const textIssues = unstorableTextIssues(value);
  if (textIssues.length > 0) {
    throw new JitgateError('validation_failed', `the request ${where} is not valid`, { issues: textIssues });
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new JitgateError('validation_failed', `the request ${where} is not valid`, { issues: issuesOf(result.error) });
  }
  return result.data;
}

/** `@ValidBody(schema) body: z.output<typeof schema>` */
export const ValidBody = (schema: z.ZodType) =>
  createParamDecorator((_: unknown, ctx: ExecutionContext) => {
    const request = ctx.switchToHttp().getRequest<{ body?: unknown; headers: Record<string, string | undefined> }>();
    const contentType = request.headers['content-type'] ?? '';
    if (request.body !== undefined && request.body !== null && !contentType.includes('application/json')) {
      throw new JitgateError('unsupported_media_type', 'send the body as application/json');
    }
    return parseOrThrow(schema, request.body ?? {}, 'body');
  })();

/**
 * `@NoBody() _body: unknown` on a POST that takes no body: none, or `{}`, is fine; any field is
 * refused like an unknown field elsewhere, rather than silently ignored while the action runs.
 */
export const NoBody = () => ValidBody(z.object({}).strict());

/** `@ValidQuery(schema) query: z.output<typeof schema>` */
export const ValidQuery = (schema: z.ZodType) =>
  createParamDecorator((_: unknown, ctx: ExecutionContext) => {
    const request = ctx.switchToHttp().getRequest<{ query?: unknown }>();
    return parseOrThrow(schema, request.query ?? {}, 'query');
  })();

/** Documents a zod body schema in the OpenAPI. */
export const ApiZodBody = (schema: z.ZodType, description?: string) => ApiBody({ schema: openApiSchema(schema), ...(description ? { description } : {}) });

/** Documents each property of a zod object as a query parameter. */
export function ApiZodQuery(schema: z.ZodObject): MethodDecorator {
  const json = openApiSchema(schema) as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
  const decorators = Object.entries(json.properties ?? {}).map(([name, property]) => ApiQuery({ name, required: json.required?.includes(name) ?? false, schema: property }));
  return applyDecorators(...decorators);
}
