# syntax=docker/dockerfile:1
# Clientele: one image for the bot, the panel and the jobs (ROLES picks what a container runs).

FROM node:22-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:22-slim AS admin-bundle
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY db ./db
# AdminJS bundles the panel's components at start-up unless a prebuilt bundle is served.
ENV ADMIN_JS_TMP_DIR=/app/.adminjs
RUN npm run build:admin

FROM node:22-slim AS runtime
ENV NODE_ENV=production \
    DATA_DIR=/var/lib/clientele \
    ADMIN_JS_TMP_DIR=/app/.adminjs \
    ADMIN_JS_SKIP_BUNDLE=true \
    PORT=3000
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=admin-bundle /app/.adminjs ./.adminjs
COPY package.json tsconfig.json ./
COPY src ./src
COPY db ./db
RUN mkdir -p /var/lib/clientele && chown -R node:node /var/lib/clientele
USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "--import", "tsx", "src/main.ts"]
