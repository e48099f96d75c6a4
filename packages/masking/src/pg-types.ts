/**
 * Built-in Postgres types whose text representation can carry free text, so may hold a
 * detectable value; the gateway scans only columns of these types (a numeric, timestamp,
 * uuid, bool, inet or bytea column cannot hold an e-mail address in its text form).
 *
 * Arrays of these types are included: `{"a@example.com",b}` is text too.
 * `citext` (and any other extension or domain-over-text type) has no fixed OID: it is assigned
 * at `CREATE EXTENSION`. Look it up (`SELECT oid FROM pg_type WHERE typname = 'citext'`) and
 * pass it as `MaskingConfig.textTypeOids` or to `isTextLikeType(oid, extra)`.
 * Domains over text are reported in `RowDescription` with their base type's OID, so they are
 * covered.
 */
export const TEXT_LIKE_TYPE_OIDS: readonly number[] = [
  25, // text
  1043, // varchar
  1042, // bpchar (char(n))
  19, // name
  114, // json
  3802, // jsonb
  142, // xml
  705, // unknown (untyped literals: SELECT 'a@b.com')
  1009, // _text
  1015, // _varchar
  1014, // _bpchar
  1003, // _name
  199, // _json
  3807, // _jsonb
  143, // _xml
];

const TEXT_LIKE: ReadonlySet<number> = new Set(TEXT_LIKE_TYPE_OIDS);

export function isTextLikeType(oid: number, extra?: ReadonlySet<number>): boolean {
  return TEXT_LIKE.has(oid) || extra?.has(oid) === true;
}
