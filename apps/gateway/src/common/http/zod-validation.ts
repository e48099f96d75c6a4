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

export function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, where: 'body' | 'query'): z.output<T> {
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

/** `@ValidQuery(schema) query: z.output<typeof schema>` */
export const ValidQuery = (schema: z.ZodType) =>
  createParamDecorator((_: unknown, ctx: ExecutionContext) => {
    const request = ctx.switchToHttp().getRequest<{ query?: unknown }>();
    return parseOrThrow(schema, request.query ?? {}, 'query');
  })();

/** Documents a zod body schema in the OpenAPI. */
export const ApiZodBody = (schema: z.ZodType, description?: string) =>
  ApiBody({ schema: openApiSchema(schema), ...(description ? { description } : {}) });

/** Documents each property of a zod object as a query parameter. */
export function ApiZodQuery(schema: z.ZodObject): MethodDecorator {
  const json = openApiSchema(schema) as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
  const decorators = Object.entries(json.properties ?? {}).map(([name, property]) =>
    ApiQuery({ name, required: json.required?.includes(name) ?? false, schema: property }),
  );
  return applyDecorators(...decorators);
}

