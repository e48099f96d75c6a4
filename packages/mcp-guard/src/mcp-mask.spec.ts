import { compileMasker, REDACTED } from '@jitgate/masking';
import { CallToolResultSchema, ReadResourceResultSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { maskResourceResult, maskToolResult } from './mcp-mask.js';

const masker = compileMasker({ columns: ['*token*'], detectors: ['email', 'payment_card', 'jwt'] });
const text = (t: string) => ({ type: 'text' as const, text: t });

describe('maskToolResult', () => {
  const cases: Array<[string, CallToolResult, unknown, string[]]> = [
    ['plain text, nothing found', { content: [text('hello')] }, { content: [text('hello')] }, []],
    ['e-mail in text', { content: [text('mail bob@example.com now')] }, { content: [text('mail [REDACTED:email] now')] }, ['email']],
    [
      'JSON text: paths and property globs applied, re-serialised',
      { content: [text('{"rows":[{"ssn":"1","api_token":"t"}]}')] },
      { content: [text(`{"rows":[{"ssn":"${REDACTED}","api_token":"${REDACTED}"}]}`)] },
      [],
    ],
    [
      'structuredContent via maskJson',
      { content: [], structuredContent: { card: '4111 1111 1111 1111', ok: 1 } },
      { content: [], structuredContent: { card: '[REDACTED:payment_card]', ok: 1 } },
      ['payment_card'],
    ],
    [
      'embedded text resource',
      { content: [{ type: 'resource', resource: { uri: 'x://a', text: 'a@b.example' } }] },
      { content: [{ type: 'resource', resource: { uri: 'x://a', text: '[REDACTED:email]' } }] },
      ['email'],
    ],
    [
      'image and blob pass unchanged',
      {
        content: [
          { type: 'image', data: 'YWJj', mimeType: 'image/png' },
          { type: 'resource', resource: { uri: 'x://b', blob: 'YWJj' } },
        ],
      },
      {
        content: [
          { type: 'image', data: 'YWJj', mimeType: 'image/png' },
          { type: 'resource', resource: { uri: 'x://b', blob: 'YWJj' } },
        ],
      },
      [],
    ],
  ];
  it.each(cases)('%s', (_name, input, expected, hits) => {
    const parsed = CallToolResultSchema.parse(input);
    const before = structuredClone(parsed);
    const r = maskToolResult(parsed, masker, { paths: ['$.rows[*].ssn'] });
    expect(r.result).toEqual(CallToolResultSchema.parse(expected));
    expect(r.hits).toEqual(hits);
    expect(parsed).toEqual(before);
    expect(r.changed).toBe(r.result !== parsed);
    expect(CallToolResultSchema.safeParse(r.result).success).toBe(true);
  });

  it('returns the input itself when nothing changed', () => {
    const input = { content: [text('nothing here')], isError: false };
    expect(maskToolResult(input, masker).result).toBe(input);
  });

  it('non-object results pass through', () => {
    expect(maskToolResult(null, masker)).toEqual({ result: null, hits: [], maskedPaths: 0, changed: false });
  });
});

describe('maskResourceResult', () => {
  it('masks text contents and leaves blobs', () => {
    const input = ReadResourceResultSchema.parse({
      contents: [
        { uri: 'x://a', mimeType: 'text/plain', text: 'eve@example.org' },
        { uri: 'x://b', blob: 'YWJj' },
      ],
    });
    const before = structuredClone(input);
    const r = maskResourceResult(input, masker);
    expect(r.result.contents[0]).toEqual({ uri: 'x://a', mimeType: 'text/plain', text: '[REDACTED:email]' });
    expect(r.result.contents[1]).toBe(input.contents[1]);
    expect(r.hits).toEqual(['email']);
    expect(input).toEqual(before);
  });
});
