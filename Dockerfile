# jobguard admission webhook image.
#
# Two stages: `build` compiles TypeScript with the dev dependencies and bundles
# the server and its production dependencies into one ES module
# (scripts/bundle.mjs); the runtime stage copies just that file and the
# licences of what it holds onto a shell-less Node 24 base. No node_modules at
# run time: start-up reads one file instead of about 1,800 (ready in ~0.7 s
# instead of ~2 s with namespace labels on, 33 MiB less memory; measured in
# scripts/bundle.mjs). Build with:  docker build -t jobguard .
# Any Node 24 base works, e.g. --build-arg BASE=node:24-slim.

# Image with node and npm, for the build stage.
ARG BUILD_BASE=node:24-slim
# Runtime base: no shell, no package manager, nonroot user 65532.
ARG BASE=gcr.io/distroless/nodejs24-debian12:nonroot

FROM ${BUILD_BASE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run bundle

FROM ${BASE}
WORKDIR /app
# distroless keeps node in /nodejs/bin, the node images in /usr/local/bin.
ENV NODE_ENV=production \
    PATH=/nodejs/bin:/usr/local/bin:/usr/bin:/bin
# jobguard.mjs and THIRD-PARTY-NOTICES.txt. Files stay owned by root: the
# server cannot rewrite its own code.
COPY --from=build /app/dist/bundle/ ./
USER 65532:65532
EXPOSE 8443 9090
ENTRYPOINT ["node", "/app/jobguard.mjs"]
CMD ["serve"]
