# syntax=docker/dockerfile:1.7
# The Limner edge without Cloudflare: the bundle `wrangler deploy` would upload, served by
# workerd (the workerd npm package, through Miniflare) with D1, R2 and Durable Object storage
# under /data — `npm run serve:selfhost` (packages/selfhost) in a container. Build from the
# repository root:  docker build -f infra/compose/edge.Dockerfile -t limner-edge .

ARG NODE_IMAGE=node:20.20.2-bookworm-slim

FROM ${NODE_IMAGE} AS build
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY apps/edge/package.json apps/edge/
COPY packages/contracts/package.json packages/contracts/
COPY packages/dev-stack/package.json packages/dev-stack/
COPY packages/selfhost/package.json packages/selfhost/
COPY gpu-runtime/package.json gpu-runtime/
# wrangler (an edge devDependency) is needed at run time too: it applies the D1 migrations.
RUN npm ci --workspace @limner/edge --workspace @limner/selfhost --include-workspace-root
COPY tsconfig.base.json ./
COPY packages/contracts packages/contracts
COPY packages/dev-stack packages/dev-stack
COPY packages/selfhost packages/selfhost
COPY gpu-runtime/src gpu-runtime/src
COPY apps/edge apps/edge
ENV WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false CI=true
RUN cd apps/edge && node /app/node_modules/wrangler/bin/wrangler.js deploy --dry-run --outdir /app/edge-bundle

# Same base, nothing added to it: no compilers, no package manager runs here.
FROM ${NODE_IMAGE} AS edge
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
ENV NODE_ENV=production \
    WRANGLER_SEND_METRICS=false \
    CLOUDFLARE_CF_FETCH_ENABLED=false \
    CI=true \
    LIMNER_HOST=0.0.0.0 \
    LIMNER_PORT=8787 \
    LIMNER_DATA_DIR=/data \
    LIMNER_EDGE_BUNDLE=/app/edge-bundle
WORKDIR /app
COPY --from=build /app /app
# The volume mounted at /data starts out owned by the image's /data, i.e. by `node` (uid 1000).
# wrangler's scratch folders (migrations run at every start) are the only other writable paths.
RUN mkdir -p /data /app/apps/edge/.wrangler /app/node_modules/.cache \
 && chown node:node /data /app/apps/edge/.wrangler /app/node_modules/.cache
USER node
VOLUME /data
EXPOSE 8787
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.LIMNER_PORT||8787)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "--import", "tsx", "packages/selfhost/src/serve-selfhost.ts"]
