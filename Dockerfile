# One image for the collector and the workers (the command picks which).
# Runs TypeScript through tsx (no separate build output to drift from the source).
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# Dev dependencies are left out; tsx and the Temporal worker's bundler are runtime dependencies.
RUN npm ci --omit=dev && npm cache clean --force
COPY activities ./activities
COPY collector ./collector
COPY integrations ./integrations
COPY lib ./lib
COPY scripts ./scripts
COPY sql ./sql
COPY workers ./workers
COPY workflows ./workflows
COPY tsconfig.json ./
USER node
EXPOSE 8080
CMD ["npx", "tsx", "collector/server.ts"]
