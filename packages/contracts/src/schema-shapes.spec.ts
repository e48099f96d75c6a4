// Every zod schema of this package as JSON Schema, against a committed file
// (__snapshots__/schema-shapes.json): a field renamed, dropped, made optional or given another
// pattern fails here, so that a contract never changes by accident. After a deliberate change,
// update the file (`pnpm --filter @jitgate/contracts test -u`) and say in the commit what
// gateways, agents and CLIs of the previous version will make of it.
import { expect, it } from 'vitest';
import { z } from 'zod';
import * as contracts from './index.js';

const schemas = Object.fromEntries(
  Object.entries(contracts)
    .flatMap(([name, value]): Array<[string, z.ZodType]> => {
      if (value instanceof z.ZodType) return [[name, value]];
      // CONNECTION_SETTINGS and CONNECTION_SETTINGS_READERS: one schema per connection type.
      if (typeof value === 'object' && value !== null && Object.values(value).every((v) => v instanceof z.ZodType)) {
        return Object.entries(value as Record<string, z.ZodType>).map(([type, schema]): [string, z.ZodType] => [`${name}.${type}`, schema]);
      }
      return [];
    })
    .sort(([a], [b]) => a.localeCompare(b)),
);

it('finds the schemas it pins', () => {
  expect(Object.keys(schemas)).toEqual(expect.arrayContaining(['identitySchema', 'createAccessRequestBody', 'CONNECTION_SETTINGS.postgres', 'CONNECTION_SETTINGS_READERS.mcp', 'apiErrorBodySchema']));
});

it('keeps every schema the shape it had', async () => {
  const shapes = Object.fromEntries(Object.entries(schemas).map(([name, schema]) => [name, z.toJSONSchema(schema, { unrepresentable: 'any', io: 'input' })]));
  await expect(`${JSON.stringify(shapes, null, 2)}\n`).toMatchFileSnapshot('./__snapshots__/schema-shapes.json');
});
