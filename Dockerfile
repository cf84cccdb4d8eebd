# syntax=docker/dockerfile:1
# Flagstone service image: Node 24 slim, production dependencies only, non-root, health-checked.
# The `migrate` target is a one-shot image that applies the migrations (prisma migrate deploy).

# All dependencies (the Prisma CLI among them) to generate the client.
FROM node:24-bookworm-slim AS build
# Prisma's CLI engines (generate, migrate deploy) need libssl, which the slim image lacks.
RUN apt-get update && apt-get install -y --no-install-recommends openssl ca-certificates \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY prisma.config.ts ./
COPY prisma ./prisma
RUN npx prisma generate
# The web UI, built ahead: the service serves these files at /ui. It shares the condition
# operators with the service, and nothing else of service/src.
COPY service/src/flags/operators.ts ./service/src/flags/operators.ts
COPY service/ui ./service/ui
RUN npm run build:ui

# One-shot migrations: docker compose runs it before the service starts.
FROM build AS migrate
CMD ["npx", "prisma", "migrate", "deploy"]

# Production dependencies only.
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM node:24-bookworm-slim AS service
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
# The service checks at start that the database has every migration (and applies them to the embedded one).
COPY prisma/migrations ./prisma/migrations
COPY service/src ./service/src
# The flagd sync protocol, read at start when SYNC_PORT is set.
COPY service/proto ./service/proto
COPY --from=build /app/service/src/generated ./service/src/generated
COPY --from=build /app/service/ui/dist ./service/ui/dist
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3000 8015
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/health/live`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "service/src/server.ts"]
