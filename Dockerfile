# HeliosDB-Lite container image.
#   docker build -t heliosdb-lite .
#   docker run -p 8080:8080 -p 50051:50051 -p 9090:9090 -v heliosdb-data:/data heliosdb-lite
# Size the container by its CPU limit: worker_threads defaults to the cgroup cpu.max quota.

# ---- build: compile TypeScript and the WASM kernels, then drop dev dependencies ----
FROM node:20-bookworm-slim AS build
WORKDIR /app
# Native toolchain for node-gyp (the optional SIMD addon, better-sqlite3 used by dev tooling).
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
COPY vendor ./vendor
COPY native ./native
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY wasm ./wasm
COPY proto ./proto
RUN npm run build:prod && npm prune --omit=dev

# ---- runtime: production dependencies only, non-root ----
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/vendor ./vendor
# The optional SIMD addon is a file: dependency (a link into native/), built in the build stage.
COPY --from=build /app/native ./native
COPY --from=build /app/dist ./dist
COPY proto ./proto
COPY config ./config
COPY deploy/heliosdb.toml /etc/heliosdb/heliosdb.toml
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080 50051 9090
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/health').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "--v8-pool-size=1", "--max-semi-space-size=16", "dist/src/cli.js"]
CMD ["serve", "--config", "/etc/heliosdb/heliosdb.toml"]
