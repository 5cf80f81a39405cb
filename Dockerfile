# Sealhouse: one Node.js process serving the Rekor-compatible log (and the CA).
FROM node:20-bookworm-slim AS build
WORKDIR /app
# python3/make/g++ build the optional native signature verifier against Node's own headers.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.json ./
COPY scripts ./scripts
COPY native ./native
COPY src ./src
COPY test ./test
COPY bench ./bench
COPY openapi ./openapi
COPY migrations ./migrations
COPY public ./public
# The search UI's sources: `npm ci` → prepare → build bundles them into public/build.
COPY ui ./ui
RUN npm ci && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production SEALHOUSE_DATA_DIR=/data PORT=3000
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
# The migrated embedded database a fresh /data is unpacked from (src/storage/pglite-template.ts).
COPY --from=build /app/dist/pglite-template.tar ./dist/pglite-template.tar
COPY --from=build /app/dist/pglite-template.tar.sha256 ./dist/pglite-template.tar.sha256
COPY --from=build /app/native ./native
COPY --from=build /app/public ./public
COPY package.json ./
COPY bin ./bin
# bin/sealhouse.js asks it whether the build is stale (never, without src/ beside it).
COPY scripts/build-state.js ./scripts/build-state.js
COPY openapi ./openapi
COPY migrations ./migrations
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
# Follows PORT, so a container started with another port is still checked where it listens.
HEALTHCHECK --interval=10s --timeout=3s --retries=3 CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "bin/sealhouse.js", "serve"]
