import { z } from 'zod';

/** Names and groups: printable, no control characters, bounded. */
export const nameText = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^\u0000-\u001f\u007f]+$/, 'must not contain control characters');

export const groupName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:@/-]*$/, 'letters, digits and . _ : @ / - only');

/** Free attributes policies can match (e.g. { "model": "claude-x" }): flat, scalar, bounded. */
export const attributes = z
  .record(z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/), z.union([z.string().max(256), z.number(), z.boolean()]))
  .refine((value) => Object.keys(value).length <= 32, 'at most 32 attributes');

export const createIdentityBody = z
  .object({
    kind: z.enum(['human', 'service']),
    subject: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]*$/, 'letters, digits and . _ : @ - only'),
    displayName: nameText.optional(),
    groups: z.array(groupName).max(64).default([]),
    attributes: attributes.default({}),
  })
  .strict();

export const updateIdentityBody = z
  .object({
    displayName: nameText.optional(),
    groups: z.array(groupName).max(64).optional(),
    attributes: attributes.optional(),
    disabled: z.boolean().optional(),
  })
  .strict()
  .refine((body) => Object.keys(body).length > 0, 'send at least one field to change');

export const listIdentitiesQuery = z
  .object({
    kind: z.enum(['human', 'service']).optional(),
    group: groupName.optional(),
    after: z.string().uuid().optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();

export const issueTokenBody = z
  .object({
    name: nameText,
    /** "30d", "12h" or seconds; defaults to JITGATE_TOKEN_DEFAULT_TTL. */
    ttl: z.union([z.string().max(32), z.number().int().positive()]).optional(),
  })
  .strict();

export type CreateIdentityBody = z.output<typeof createIdentityBody>;
export type UpdateIdentityBody = z.output<typeof updateIdentityBody>;
export type ListIdentitiesQuery = z.output<typeof listIdentitiesQuery>;
export type IssueTokenBody = z.output<typeof issueTokenBody>;
