# healthplane container image: a build stage compiles the TypeScript, a deps stage installs only the
# runtime dependencies, and the runtime stage is Node 20 slim with a non-root user and the
# healthplane bin as entrypoint. Build: docker build -t healthplane:0.1.0 .
# Run:   docker run --rm -p 18000:18000 healthplane:0.1.0 serve --config-dir /config ...

FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY src ./src
COPY proto ./proto
RUN npm run build

FROM node:20-bookworm-slim AS deps
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY proto ./proto
COPY examples ./examples
# A fixed numeric user, so that Kubernetes' runAsNonRoot can verify it.
USER 10001:10001
# 18000: xDS (ADS over gRPC); 19000: admin (/ready, /status, /config_dump).
EXPOSE 18000 19000
ENTRYPOINT ["node", "/app/bin/healthplane.js"]
CMD ["serve", "--xds-address", "0.0.0.0", "--admin-address", "0.0.0.0"]
