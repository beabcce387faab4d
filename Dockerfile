# CityPipe for a real deployment: built on the official Swift image, run on its slim runtime.
# (No Docker engine runs on our development machines: this file is kept correct by reading.)

FROM swift:6.2-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpq-dev zlib1g-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Resolve dependencies first so that source changes do not refetch them.
COPY Package.swift ./
RUN swift package resolve
COPY Sources ./Sources
COPY Tests ./Tests
COPY Benchmarks ./Benchmarks
RUN swift build -c release --product citypipe \
 && mkdir -p /staging \
 && cp "$(swift build -c release --show-bin-path)/citypipe" /staging/ \
 && cp -R "$(swift build -c release --show-bin-path)"/*.resources /staging/

FROM swift:6.2-bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpq5 zlib1g postgresql-client-15 ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home-dir /var/lib/citypipe --create-home citypipe
# The binary looks for its resource bundles (migrations, reference data) beside itself.
COPY --from=build /staging/ /opt/citypipe/
COPY Connectors /opt/citypipe/Connectors
COPY Pipelines /opt/citypipe/Pipelines
ENV PATH=/opt/citypipe:$PATH \
    CITYPIPE_HOME=/var/lib/citypipe \
    TZ=Asia/Ho_Chi_Minh
USER citypipe
WORKDIR /opt/citypipe
ENTRYPOINT ["citypipe"]
CMD ["--help"]
