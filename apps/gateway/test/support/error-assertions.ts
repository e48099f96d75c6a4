// The one error shape every refused HTTP call answers with (`{ error: { code, message, details?,
// requestId } }`), checked the same way everywhere, and "a refused call writes nothing".
import { expect } from 'vitest';
import type { ApiResponse } from '@jitgate/testkit';

/** A V8 stack frame ("at fn (/path/file.js:1:2)" or "at /path/file.js:1:2") or a source path. */
const STACK_OR_PATH = [/\bat \S+ \(\S+:\d+:\d+\)/, /\bat (?:file:\/\/)?\/\S+:\d+:\d+/, /\/work\//, /node_modules/, /\.[cm]?[jt]s:\d+/, /\bPrisma\w*Error\b/];
const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** The one error shape, a useful message, a request id that matches the header, no internals. */
export function expectError(res: ApiResponse, status: number, code: string, message?: RegExp): void {
  const text = typeof res.body === 'string' ? res.body : JSON.stringify(res.body);
  expect(res.status, text).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(Object.keys(res.body as object)).toEqual(['error']);
  const error = (res.body as { error: Record<string, unknown> }).error;
  expect(Object.keys(error).filter((k) => !['code', 'message', 'details', 'requestId'].includes(k))).toEqual([]);
  expect(error.code, text).toBe(code);
  expect(typeof error.message).toBe('string');
  expect((error.message as string).length, text).toBeGreaterThan(10);
  if (message) expect(error.message, text).toMatch(message);
  expect(error.requestId).toMatch(REQUEST_ID);
  // The id in the body is the one in the header (and in the log lines of this request).
  expect(res.headers.get('x-request-id'), `${text}: X-Request-Id`).toBe(error.requestId);
  for (const pattern of STACK_OR_PATH) expect(text, `${pattern} in ${text}`).not.toMatch(pattern);
}

/** A validation failure whose details name `field` (a path or an unknown key). */
export function expectInvalid(res: ApiResponse, field: string): void {
  expectError(res, 400, 'validation_failed');
  const error = (res.body as { error: { message: string; details?: unknown } }).error;
  expect(`${error.message} ${JSON.stringify(error.details ?? {})}`, JSON.stringify(res.body)).toContain(field);
}

/** Runs the refused calls in `refusedCalls` and asserts nothing at all changed, as `snapshot` sees it. */
export async function expectUnchanged<T>(snapshot: () => Promise<T>, refusedCalls: () => Promise<void>): Promise<void> {
  const before = await snapshot();
  await refusedCalls();
  expect(await snapshot()).toEqual(before);
}
