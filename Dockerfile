# syntax=docker/dockerfile:1
# ioncam: build the native addon and the TypeScript, then run on a slim image as a non-root user.
#
#   docker build -t ioncam .
#   docker run --rm -p 8000:8000 -p 5558:5558 -v ioncam-data:/data ioncam

FROM node:20-bookworm AS build
WORKDIR /app
# node-gyp needs python3, make, a C++17 compiler and libjpeg headers (all in the full bookworm image).
COPY package.json package-lock.json binding.gyp ./
COPY addon ./addon
COPY cuda ./cuda
COPY scripts ./scripts
COPY tsconfig.json ./
COPY src ./src
COPY web ./web
# npm ci builds the addon (install script) and the TypeScript + dashboard assets (prepare).
RUN npm ci && npm prune --omit=dev --ignore-scripts

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    IONCAM_HOST=0.0.0.0 \
    IONCAM_PORT=8000 \
    IONCAM_DATA_DIR=/data
WORKDIR /app
# The addon links libjpeg-turbo (JPEG frames decode natively); the build image has its headers.
RUN apt-get update && apt-get install -y --no-install-recommends libjpeg62-turbo && rm -rf /var/lib/apt/lists/*
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/build/Release/ioncam.node ./build/Release/ioncam.node
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8000 5558
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+(process.env.IONCAM_PORT||8000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["npm", "start"]
