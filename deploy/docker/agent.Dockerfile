# syntax=docker/dockerfile:1
# The agent: dials out to the gateway's tunnel port, holds target credentials, opens no inbound
# port except its health endpoint.
#   docker build -f deploy/docker/agent.Dockerfile -t jitgate-agent:0.1.0 .
# Runs `node apps/agent/dist/main.js`. The agent token is read at run time from
# JITGATE_AGENT_TOKEN_FILE (a mounted Secret, deploy/kubernetes/agent.yaml), never baked in.

# Pinned; pin the digest too where the registry is reachable:
#   --build-arg NODE_IMAGE=node:20.20.2-bookworm-slim@sha256:…
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

FROM ${NODE_IMAGE} AS build
ARG PNPM_VERSION=10.34.9
ENV CI=true
RUN npm install --global "pnpm@${PNPM_VERSION}" && npm cache clean --force
WORKDIR /src
COPY pnpm-lock.yaml pnpm-workspace.yaml ./
RUN --mount=type=cache,id=jitgate-pnpm-store,target=/pnpm/store \
    pnpm fetch --store-dir /pnpm/store
COPY . .
RUN --mount=type=cache,id=jitgate-pnpm-store,target=/pnpm/store \
    pnpm install --offline --frozen-lockfile --store-dir /pnpm/store --filter "@jitgate/agent..."
RUN pnpm --filter "@jitgate/agent..." --if-present run generate \
 && pnpm --filter "@jitgate/agent..." run build
RUN --mount=type=cache,id=jitgate-pnpm-store,target=/pnpm/store \
    pnpm --filter @jitgate/agent deploy --prod --legacy --store-dir /pnpm/store /out/apps/agent \
 && rm -rf /out/apps/agent/src /out/apps/agent/test

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    JITGATE_AGENT_HEALTH_PORT=9090
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
        /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack
WORKDIR /app
COPY --from=build /out/ /app/
USER 1000:1000
# 9090: /healthz (liveness) and /readyz (a tunnel is up). Nothing else listens.
EXPOSE 9090
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.JITGATE_AGENT_HEALTH_PORT||9090)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
STOPSIGNAL SIGTERM
CMD ["node", "apps/agent/dist/main.js"]
