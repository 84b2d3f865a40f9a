FROM node:20-bookworm-slim
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1
COPY package.json package-lock.json ./
RUN npm ci --include=dev --no-audit --no-fund
COPY . .
RUN PRISMA_SCHEMA_ENGINE_BINARY="$(command -v node)" npx prisma generate \
 && NODE_ENV=production TOLLGATE_ALLOW_DEV_SECRETS=1 npm run build
EXPOSE 3000
# Web: `npm start` (the default below). Workers: `node dist/workers/main.mjs` (built by `npm run build`).
CMD ["npm", "start"]
