// swift-tools-version:6.2
// CityPipe — the data-integration pipeline of a provincial smart-city data centre.
// Module layout and dependency direction: see README.md ("Layout").
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
]

let package = Package(
    name: "CityPipe",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "citypipe", targets: ["citypipe"]),
        .library(name: "Postgres", targets: ["Postgres"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // Feeds over HTTP: streamed bodies with back-pressure, connection pooling, timeouts.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        // The HTTP server of the feed simulator (and, later, of the operations-centre API).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // Connector manifests are YAML; Yams gives the node tree with line/column marks that errors name.
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // `citypipe serve`: SIGTERM drains requests in flight, then the process exits 0.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // The API's /metrics: counters and histograms (swift-metrics) in Prometheus text (swift-prometheus).
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // SHA-256 of archive files (`citypipe archive`), streamed; already in the graph through async-http-client.
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    ],
    targets: [
        // System libraries (Debian: libpq-dev, zlib1g-dev).
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),

        // The only PostgreSQL client of the project: connections, pool, COPY, transactions,
        // advisory locks, the embedded cluster and a generic migrator.
        .target(
            name: "Postgres",
            dependencies: ["CLibPQ"],
            swiftSettings: strict
        ),

        // Reference data shipped with the project (administrative units, crosswalk, ward boundaries).
        .target(
            name: "ReferenceData",
            resources: [.copy("Resources")],
            swiftSettings: strict
        ),

        // Codable models of Connectors/*.yaml, validated with errors that name file, key path and line.
        .target(
            name: "Manifest",
            dependencies: [.product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),

        // Pure Vietnamese-domain normalisers: names, administrative units, IDs, tax codes, phones, dates,
        // legacy encodings, VN-2000 coordinates.
        .target(
            name: "Normalize",
            dependencies: ["ReferenceData"],
            swiftSettings: strict
        ),

        // The streaming decoders, pure code (bytes in, records or rejects out), a folder per format: CSV, JSON
        // pages, XML with embedded documents, gzip, base64, text encodings, GeoJSON geometry. No database, no HTTP:
        // the fuzz harnesses (Fuzz/) link it alone.
        .target(
            name: "Decoders",
            dependencies: ["Normalize", "CZlib"],
            swiftSettings: strict
        ),

        // Connectors, HTTP fetching, and the staging loader.
        .target(
            name: "Ingest",
            dependencies: [
                "Decoders", "Postgres", "Warehouse", "Normalize", "Manifest", "CZlib",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: strict
        ),

        // Simulated feeds (population, business, insurance) over HTTP on loopback: tests, demo, benchmarks.
        .target(
            name: "FeedSimulator",
            dependencies: [
                "ReferenceData", "Normalize", "CZlib",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),

        // The project's database: which one to use, its migrations, loading reference data.
        .target(
            name: "Warehouse",
            dependencies: ["Postgres", "ReferenceData"],
            resources: [.copy("Migrations")],
            swiftSettings: strict
        ),

        // The transform stage: SQL models of Pipelines/models built in dependency order (normalisation and
        // linkage into core.* join it).
        .target(
            name: "Transform",
            dependencies: ["Postgres", "Warehouse", "Manifest", "Normalize"],
            swiftSettings: strict
        ),

        // What the CLI and the API both start: the nightly run, backfills, the transform, with their locks and
        // ledgers. The executable only parses arguments.
        .target(
            name: "Orchestration",
            dependencies: [
                "Postgres", "Warehouse", "Manifest", "Ingest", "Transform", "Decoders",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),

        // The operations-centre API (`citypipe serve`): integrated views with roles, masking, audit, provenance.
        .target(
            name: "OpsAPI",
            dependencies: [
                "Postgres", "Warehouse", "Transform", "Orchestration", "Ingest", "Normalize", "Manifest",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),

        .executableTarget(
            name: "citypipe",
            dependencies: [
                "Orchestration",
                "OpsAPI",
                "Postgres",
                "Warehouse",
                "Normalize",
                "Manifest",
                "Ingest",
                "Transform",
                "FeedSimulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),

        // The normalise step alone, in memory, on 1 and 2 Dispatch workers (Benchmarks/transform/run.sh).
        .executableTarget(
            name: "transform-bench",
            dependencies: ["Transform", "Ingest", "Postgres"],
            path: "Benchmarks/transform",
            exclude: ["run.sh"],
            swiftSettings: strict
        ),

        .executableTarget(
            name: "copy-bench",
            dependencies: ["Postgres", "Warehouse"],
            path: "Benchmarks/copy",
            exclude: ["run.sh"],
            swiftSettings: strict
        ),

        // Shared by the test targets: the embedded test cluster and fresh databases per test case.
        .target(
            name: "TestSupport",
            dependencies: ["Postgres"],
            path: "Tests/Support",
            swiftSettings: strict
        ),
        .testTarget(
            name: "PostgresTests",
            dependencies: ["Postgres", "TestSupport"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "decode-bench",
            dependencies: ["Decoders", "CZlib"],
            path: "Benchmarks/decode",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "normalize-bench",
            dependencies: ["Normalize", "ReferenceData"],
            path: "Benchmarks/normalize",
            swiftSettings: strict
        ),
        .testTarget(
            name: "ManifestTests",
            dependencies: ["Manifest", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),
        // Fuzzing (scripts/fuzz): one libFuzzer harness per decoder over the Decoders module alone; without the
        // fuzzer each executable replays files, and DecodersTests replays every committed corpus and regression.
        .target(
            name: "FuzzHarnesses",
            dependencies: ["Decoders"],
            path: "Fuzz/Harnesses",
            swiftSettings: strict
        ),
        .executableTarget(name: "fuzz-csv", dependencies: ["FuzzHarnesses"], path: "Fuzz/csv", exclude: ["corpus", "regressions"], swiftSettings: strict),
        .executableTarget(name: "fuzz-json", dependencies: ["FuzzHarnesses"], path: "Fuzz/json", exclude: ["corpus", "regressions"], swiftSettings: strict),
        .executableTarget(name: "fuzz-xml", dependencies: ["FuzzHarnesses"], path: "Fuzz/xml", exclude: ["corpus", "regressions"], swiftSettings: strict),
        .executableTarget(name: "fuzz-gzip", dependencies: ["FuzzHarnesses"], path: "Fuzz/gzip", exclude: ["corpus", "regressions"], swiftSettings: strict),

        // Hostile inputs against the decoders alone (no database): bombs, depth, giant fields, bad bytes.
        .testTarget(
            name: "DecodersTests",
            dependencies: ["Decoders", "CZlib", "TestSupport", "FuzzHarnesses"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "NormalizeTests",
            dependencies: ["Normalize", "ReferenceData"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "IngestTests",
            dependencies: [
                "Ingest", "Decoders", "Postgres", "Warehouse", "TestSupport", "Normalize", "CZlib", "Manifest",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "FeedSimulatorTests",
            dependencies: [
                "FeedSimulator", "Normalize", "ReferenceData", "CZlib", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CLITests",
            dependencies: ["TestSupport", "Postgres"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ReferenceDataTests",
            dependencies: ["ReferenceData"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "TransformTests",
            dependencies: ["Transform", "Postgres", "Warehouse", "TestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "OrchestrationTests",
            dependencies: ["Orchestration", "Postgres", "Warehouse", "TestSupport", "Ingest", "Manifest"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "OpsAPITests",
            dependencies: [
                "OpsAPI", "Orchestration", "Postgres", "Warehouse", "TestSupport", "Transform",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "WarehouseTests",
            dependencies: ["Warehouse", "Postgres", "ReferenceData", "TestSupport"],
            swiftSettings: strict
        ),
    ]
)
