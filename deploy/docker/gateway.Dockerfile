# syntax=docker/dockerfile:1
# The gateway (every run mode: JITGATE_MODE=api, worker, data or all) and its migration tools.
#   docker build -f deploy/docker/gateway.Dockerfile -t jitgate-gateway:0.1.0 .
# Runs `node apps/gateway/dist/main.js`. On PATH: `jitgate-migrate` (from @jitgate/db) for the
# migration Job, `jitgate-wait-for-migrations` for the Deployments' init container. No secret is
# baked in: DATABASE_URL, REDIS_URL and the TLS files come from the environment at run time
# (deploy/kubernetes).

# Pinned; pin the digest too where the registry is reachable:
#   --build-arg NODE_IMAGE=node:20.20.2-bookworm-slim@sha256:…
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

FROM ${NODE_IMAGE} AS build
ARG PNPM_VERSION=10.34.9
ENV CI=true
RUN npm install --global "pnpm@${PNPM_VERSION}" && npm cache clean --force
WORKDIR /src
# Dependencies first, keyed on the lockfile only, so source edits do not refetch them.
COPY pnpm-lock.yaml pnpm-workspace.yaml ./
RUN --mount=type=cache,id=jitgate-pnpm-store,target=/pnpm/store \
    pnpm fetch --store-dir /pnpm/store
COPY . .
RUN --mount=type=cache,id=jitgate-pnpm-store,target=/pnpm/store \
    pnpm install --offline --frozen-lockfile --store-dir /pnpm/store --filter "@jitgate/gateway..."
# generate: the Prisma client (offline; packages/db/scripts/generate.mjs). build: tsc, in
# dependency order.
RUN pnpm --filter "@jitgate/gateway..." --if-present run generate \
 && pnpm --filter "@jitgate/gateway..." run build
# Production dependencies only, workspace packages copied in. @jitgate/db is deployed a second
# time beside a copy of prisma/ because its migration runner finds the migrations at
# packages/db/dist/../../../prisma (packages/db/src/migrations.ts); the wait script goes beside it
# too, where `pg` resolves, and finds the same prisma/ at ../../prisma.
RUN --mount=type=cache,id=jitgate-pnpm-store,target=/pnpm/store \
    pnpm --filter @jitgate/gateway deploy --prod --legacy --store-dir /pnpm/store /out/apps/gateway \
 && pnpm --filter @jitgate/db deploy --prod --legacy --store-dir /pnpm/store /out/packages/db \
 && cp -r prisma /out/prisma \
 && cp deploy/docker/wait-for-migrations.mjs /out/packages/db/wait-for-migrations.mjs \
 && rm -rf /out/apps/gateway/src /out/apps/gateway/test /out/packages/db/src /out/packages/db/scripts

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PORT=8080 \
    JITGATE_TUNNEL_PORT=8443 \
    JITGATE_TCP_PORT=8444 \
    JITGATE_PG_PORT=5433 \
    JITGATE_HTTP_PORT=8480
# The runtime needs node only: drop npm, npx and corepack (less to patch, nothing to install with).
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
        /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
 && printf '#!/bin/sh\nexec node /app/packages/db/dist/migrate.cli.js "$@"\n' > /usr/local/bin/jitgate-migrate \
 && printf '#!/bin/sh\nexec node /app/packages/db/wait-for-migrations.mjs "$@"\n' > /usr/local/bin/jitgate-wait-for-migrations \
 && chmod 0755 /usr/local/bin/jitgate-migrate /usr/local/bin/jitgate-wait-for-migrations
WORKDIR /app
# Owned by root, read-only to the user the process runs as.
COPY --from=build /out/ /app/
# The official image's `node` user, by number so that Kubernetes' runAsNonRoot can check it.
USER 1000:1000
# Every port the gateway listens on (apps/gateway config schema; which ones open depends on
# JITGATE_MODE): 8080 REST API and /healthz /readyz /metrics (every mode), 8443 tunnel (gRPC,
# agents dial it), 8444 client listener (jitgate connect), 5433 Postgres, 8480 HTTP proxy (`data`).
EXPOSE 8080 8443 8444 5433 8480
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
STOPSIGNAL SIGTERM
CMD ["node", "apps/gateway/dist/main.js"]
