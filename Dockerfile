# Build: docker build -t newshound .
# Run:   docker run -v newshound-data:/data -e TELEGRAM_BOT_TOKEN=... newshound
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# modernc.org/sqlite is pure Go: a static binary without cgo.
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/newshound ./cmd/newshound \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/newshound /usr/local/bin/newshound
COPY --chown=65532:65532 config.yaml /etc/newshound/config.yaml
# An empty /data owned by the runtime user, so a fresh named volume is writable.
COPY --from=build --chown=65532:65532 /out/data /data
# The database lives on a volume; the config's store.path is overridden
# with an absolute path through the working directory.
WORKDIR /data
VOLUME ["/data"]
USER 65532:65532
ENV NEWSHOUND_CONFIG=/etc/newshound/config.yaml
EXPOSE 9090
ENTRYPOINT ["/usr/local/bin/newshound"]
CMD ["run"]
