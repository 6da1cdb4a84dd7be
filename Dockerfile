# jobguard admission webhook image.
#
# Three stages: `build` compiles TypeScript with the dev dependencies,
# `prod-deps` installs the production dependencies only, and the runtime stage
# copies just dist/, node_modules/ and package.json onto a shell-less Node 24
# base. Build with:  docker build -t jobguard .
# Any Node 24 base works, e.g. --build-arg BASE=node:24-slim.

# Image with node and npm, for the two build stages.
ARG BUILD_BASE=node:24-slim
# Runtime base: no shell, no package manager, nonroot user 65532.
ARG BASE=gcr.io/distroless/nodejs24-debian12:nonroot

FROM ${BUILD_BASE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM ${BUILD_BASE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
# No production dependency needs an install script.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM ${BASE}
WORKDIR /app
# distroless keeps node in /nodejs/bin, the node images in /usr/local/bin.
ENV NODE_ENV=production \
    PATH=/nodejs/bin:/usr/local/bin:/usr/bin:/bin
# package.json carries "type": "module", which dist/*.js needs.
COPY package.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Files stay owned by root: the server cannot rewrite its own code.
USER 65532:65532
EXPOSE 8443 9090
ENTRYPOINT ["node", "/app/dist/main.js"]
CMD ["serve"]
