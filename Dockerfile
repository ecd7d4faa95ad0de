# Build: docker build --build-arg VERSION=$(git describe --tags --always --dirty) -t newshound .
# Run:   docker run -v newshound-data:/data -e NEWSHOUND_WEB_TOKEN=$(openssl rand -hex 16) \
#          -e TELEGRAM_BOT_TOKEN=... newshound
# The console listens on every interface of the container, so http.auth
# (NEWSHOUND_WEB_TOKEN) is required: without it the daemon refuses to start.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# modernc.org/sqlite is pure Go: a static binary without cgo.
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/newshound ./cmd/newshound \
 && mkdir -p /out/data
# The image's config listens on every interface of the container, so that
# published ports and HEALTHCHECK reach /readyz; the build fails if the
# shipped config's listen line ever changes shape.
RUN sed 's/^  listen: 127.0.0.1:9090$/  listen: ":9090"/' config.yaml > /out/config.yaml \
 && grep -q '^  listen: ":9090"$' /out/config.yaml

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/newshound /usr/local/bin/newshound
COPY --from=build --chown=65532:65532 /out/config.yaml /etc/newshound/config.yaml
# An empty /data owned by the runtime user, so a fresh named volume is writable.
COPY --from=build --chown=65532:65532 /out/data /data
# The database lives on a volume; the config's store.path is overridden
# with an absolute path through the working directory.
WORKDIR /data
VOLUME ["/data"]
USER 65532:65532
# The config is $NEWSHOUND_CONFIG, which wins over a config.yaml in the
# working directory (/data): a stray file in the volume is never read.
ENV NEWSHOUND_CONFIG=/etc/newshound/config.yaml
EXPOSE 9090
# distroless has no shell or curl: the binary asks its own /readyz.
HEALTHCHECK --interval=30s --timeout=10s --start-period=2m --retries=3 \
  CMD ["/usr/local/bin/newshound", "health"]
ENTRYPOINT ["/usr/local/bin/newshound"]
CMD ["run"]
