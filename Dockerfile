FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bin ./bin
COPY config ./config
COPY models ./models
RUN npm ci --no-audit --no-fund && npm prune --omit=dev
USER node
CMD ["node", "bin/geointel.js", "worker", "--role", "all"]
