// Where a caller's request goes (docs/http.md, "Calling through the gateway"): the first path
// segment after /c/ names the connection (parseHttpRoute, @jitgate/contracts); the rest, query
// included, is the target's own path. The token is a bearer token in Authorization. Pure, so
// that every odd shape is tested.

/** The token of `Authorization: Bearer <token>`, or undefined (any other scheme, or none). */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer[ \t]+([^\s]{1,8192})[ \t]*$/i.exec(header);
  return match?.[1];
}
