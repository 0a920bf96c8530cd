# syntax=docker/dockerfile:1
# Fleetdeck's image: `docker build -t fleetdeck .` (docs/install.md). Four stages: the console
# (Node), the server binary that embeds it (Rust), a pinned kubectl for the console's read-only
# kubectl, and a distroless runtime with just those two files, CA certificates and no shell.

# The kubectl release the image ships (match your clusters' minor version ±1).
ARG KUBECTL_VERSION=v1.34.1

# The console: web/dist, which build.rs embeds into the binary.
FROM node:22-bookworm-slim AS console
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ ./
RUN npm run build

# The server, built with the console in place and the locked dependency versions.
FROM rust:1.95-bookworm AS server
WORKDIR /src
COPY . .
COPY --from=console /src/web/dist web/dist
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin fleetdeck \
    && cp target/release/fleetdeck /fleetdeck

# kubectl, a pinned release checked against its checksum. KUBECTL_SHA256 pins the bytes too
# (`--build-arg KUBECTL_SHA256=…`); without it the release's published checksum is used.
FROM debian:bookworm-slim AS kubectl
ARG TARGETARCH=amd64
ARG KUBECTL_VERSION
ARG KUBECTL_SHA256=""
RUN apt-get update -qq \
    && apt-get install -y -qq --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/*
RUN url="https://dl.k8s.io/release/${KUBECTL_VERSION}/bin/linux/${TARGETARCH}/kubectl" \
    && curl -fsSLo /kubectl "$url" \
    && sum="${KUBECTL_SHA256:-$(curl -fsSL "$url.sha256")}" \
    && echo "$sum  /kubectl" | sha256sum -c - \
    && chmod 0755 /kubectl

# Runtime: glibc and libgcc (the binary's only libraries), CA certificates, user 65532.
FROM gcr.io/distroless/cc-debian12:nonroot
ARG KUBECTL_VERSION
LABEL org.opencontainers.image.title="fleetdeck" \
      org.opencontainers.image.description="Control plane console for fleets of Kubernetes clusters" \
      org.opencontainers.image.licenses="Apache-2.0" \
      io.fleetdeck.kubectl.version="${KUBECTL_VERSION}"
COPY --from=server /fleetdeck /usr/local/bin/fleetdeck
COPY --from=kubectl /kubectl /usr/local/bin/kubectl
ENV FLEETDECK_ADDR=0.0.0.0:8080 FLEETDECK_KUBECTL=/usr/local/bin/kubectl
USER 65532
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/fleetdeck"]
CMD ["serve"]
