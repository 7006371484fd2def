# syntax=docker/dockerfile:1.7
# The `limner` CLI as an image, for the recaptioning Indexed Job (recaption-job.yaml). Build
# from the repository root:  docker build -f infra/k8s/cli.Dockerfile -t limner-cli .
# The SDK and CLI are packed into tarballs and installed as a user would install them.

ARG NODE_IMAGE=node:20.20.2-bookworm-slim

FROM ${NODE_IMAGE} AS build
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY packages/contracts/package.json packages/contracts/
COPY packages/sdk/package.json packages/sdk/
COPY packages/cli/package.json packages/cli/
RUN npm ci --workspace @limner/sdk --workspace @limner/cli --include-workspace-root
COPY tsconfig.base.json ./
COPY packages/contracts packages/contracts
COPY packages/sdk packages/sdk
COPY packages/cli packages/cli
RUN npm run build --workspace @limner/sdk --workspace @limner/cli \
 && mkdir /packs \
 && npm pack --workspace @limner/sdk --workspace @limner/cli --pack-destination /packs

FROM ${NODE_IMAGE} AS cli
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
COPY --from=build /packs /packs
RUN npm install --global --omit=dev /packs/*.tgz && npm cache clean --force && rm -rf /packs
USER node
WORKDIR /home/node
ENTRYPOINT ["limner"]
