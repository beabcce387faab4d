import AsyncHTTPClient
import Foundation
import Manifest
import NIOCore
import Normalize
import Postgres

/// Loads one feed into staging, as its manifest says: fetch (auth, pages, retries), decode as a stream, type
/// each record, and stage the lot in one transaction together with the feed's new cursor.
///
/// Incremental feeds ask for what changed since the stored cursor (minus the manifest's lookback), through
/// the cursor's request parameter, or window by window when the source takes windows instead; feeds without a
/// cursor are full snapshots, and a staged record the source no longer sends is marked deleted.
public final class ConnectorRunner: Sendable {
    public let manifest: ConnectorManifest
    public let client: HTTPClient
    /// Largest REST page accepted (pages are read whole; streams are not).
    public let pageLimit: Int
    /// Records gathered before they are sent to the server.
    public let batchSize: Int
    private let now: @Sendable () -> Date

    /// - Parameter manifest: with its placeholders resolved (`Placeholders.resolve`).
    public init(
        manifest: ConnectorManifest, client: HTTPClient = .shared, pageLimit: Int = 256 << 20, batchSize: Int = 5_000,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.manifest = manifest
        self.client = client
        self.pageLimit = pageLimit
        self.batchSize = batchSize
        self.now = now
    }

    /// Progress after each batch: records so far, body bytes so far.
    public typealias Progress = @Sendable (_ records: Int, _ bytes: Int) -> Void

    /// Runs the load on `connection` (which it uses alone meanwhile) as part of run `runID`.
    public func run(connection: PostgresConnection, runID: Int64, progress: Progress? = nil) async throws -> StagingLoad.Report {
        let schema = try manifest.stagingSchema()
        let typer = manifest.recordTyper()
        let db = DatabaseWorker(connection: connection, label: manifest.name)
        let feed = manifest.name
        let stored: String? = try await db.run { c in
            try c.query("SELECT cursor_value FROM citypipe.feed_state WHERE feed = $1", [feed], name: "read cursor")
                .first?.decode(String?.self, "cursor_value")
        }
        let mode: StagingLoad.Mode = manifest.incremental == nil ? .snapshot : .incremental
        let ratio = manifest.maxRejectRatio
        let load = try await db.run { c in
            WorkerOwned(try StagingLoad(connection: c, schema: schema, runID: runID, mode: mode, maxRejectRatio: ratio))
        }
        let fetcher = HTTPFetcher(
            feed: feed, client: client,
            retry: RetryPolicy(
                maxAttempts: manifest.retry.maxAttempts, baseDelay: manifest.retry.initialDelay.seconds,
                maxDelay: manifest.retry.maxDelay.seconds),
            requestsPerSecond: manifest.rateLimit, concurrency: max(1, manifest.concurrency),
            timeout: .milliseconds(Int64(manifest.request.timeout.seconds * 1000)))
        let auth = Authenticator(feed: feed, spec: manifest.auth, client: client)
        let session = Session(
            runner: self, db: db, load: load, typer: typer, fetcher: fetcher, auth: auth, progress: progress)
        do {
            for window in IncrementalPlan(manifest: manifest, storedCursor: stored, now: now()).windows() {
                let planner = PagePlanner(request: manifest.request, pagination: manifest.pagination, windowParameters: window)
                if manifest.kind.isJSON {
                    try await session.loadPages(planner)
                } else if let files = LocalFiles.matching(manifest.request.url) {
                    for file in files { try await session.loadFile(file) }
                } else {
                    try await session.loadStream(url: planner.firstURL())
                }
            }
            let cursorField = manifest.incremental?.cursorField
            let cursor = session.cursor.value.map { IncrementalPlan.format($0, manifest.incremental?.format) }
            let statistics = fetcher.statistics
            return try await db.run { _ in
                try load.value.commit(
                    cursorField: cursorField, cursor: cursor, bytesIn: statistics.bytes, requests: statistics.requests,
                    retries: statistics.retries)
            }
        } catch {
            let reason = String(describing: error)
            _ = try? await db.run { _ in load.value.abort(reason: reason) }
            throw error
        }
    }

    /// The state of one load across its pages and documents.
    final class Session: @unchecked Sendable {
        let runner: ConnectorRunner
        let db: DatabaseWorker
        let load: WorkerOwned<StagingLoad>
        let typer: RecordTyper
        let fetcher: HTTPFetcher
        let auth: Authenticator
        let progress: Progress?
        let cursorIndex: Int?
        let projection: FieldProjection
        let cursor = WorkerOwned<String?>(nil)
        var position = 0

        init(
            runner: ConnectorRunner, db: DatabaseWorker, load: WorkerOwned<StagingLoad>, typer: RecordTyper,
            fetcher: HTTPFetcher, auth: Authenticator, progress: Progress?
        ) {
            self.runner = runner
            self.db = db
            self.load = load
            self.typer = typer
            self.fetcher = fetcher
            self.auth = auth
            self.progress = progress
            let field = runner.manifest.incremental?.cursorField
            self.cursorIndex = typer.bindings.firstIndex { $0.name == field }
            self.projection = FieldProjection(sourcePaths: typer.bindings.map(\.sourcePath))
        }

        func request(_ url: String) -> @Sendable () async throws -> HTTPClientRequest {
            let headers = runner.manifest.request.headers
            let method = runner.manifest.request.method.rawValue
            let auth = self.auth
            return {
                var request = HTTPClientRequest(url: url)
                request.method = .init(rawValue: method)
                for (name, value) in headers.sorted(by: { $0.key < $1.key }) { request.headers.add(name: name, value: value) }
                try await auth.authorize(&request)
                return request
            }
        }

        var onUnauthorized: (@Sendable () async throws -> Void)? {
            guard auth.refreshesOn401 else { return nil }
            let auth = self.auth
            return { await auth.invalidate() }
        }

        /// REST pages: each page is read whole and decoded; while it is typed and staged, the next page is
        /// already being fetched (the two overlap, the stagings stay in order).
        func loadPages(_ planner: PagePlanner) async throws {
            var url: String? = planner.firstURL()
            var index = 0
            let extractor = try JSONRecordExtractor(
                recordsPath: runner.manifest.records.path?.text ?? RecordSelector.defaultPath(for: runner.manifest.kind).text,
                nextPath: planner.nextPath)
            // Pages the direct reader can read exactly go from bytes to columns; the others through Foundation.
            let direct = DirectJSONPageReader(
                recordsPath: runner.manifest.records.path?.text ?? RecordSelector.defaultPath(for: runner.manifest.kind).text,
                nextPath: planner.nextPath, sourcePaths: typer.bindings.map(\.sourcePath))
            let limit = runner.pageLimit
            var staging: Task<Void, any Error>? = nil
            do {
                while let current = url {
                    let first = position + 1
                    let (page, link) = try await fetcher.fetch(request(current), onUnauthorized: onUnauthorized) { head, body in
                        let bytes = try await body.collect(upTo: limit)
                        let link = head.headers.first(name: "Link")
                        if let direct,
                            let page = try? bytes.withUnsafeBytes({ try direct.read($0, firstNumber: first) })
                        {
                            return (FetchedPage.projected(page, bytes), link)
                        }
                        do {
                            return (FetchedPage.decoded(try extractor.extract(page: Data(bytes), firstNumber: first)), link)
                        } catch {
                            throw DamagedPage(reason: String(describing: error))
                        }
                    }
                    position += page.count
                    url = planner.nextURL(
                        afterPage: index,
                        outcome: .init(records: page.count, cursorToken: page.next, nextURL: page.next, linkHeader: link))
                    index += 1
                    try await staging?.value
                    let reached = position
                    switch page {
                    case .decoded(let decoded):
                        let events = decoded.records.map(DecodeEvent.record)
                        staging = Task { try await self.stage(events, trackPosition: false, reached: reached) }
                    case .projected(let projected, let bytes):
                        staging = Task { try await self.stage(projected, bytes: bytes, extractor: extractor, reached: reached) }
                    }
                }
                try await staging?.value
            } catch {
                // The connection may still be in use by the last staging: let it finish before giving up.
                _ = try? await staging?.value
                throw error
            }
        }

        /// CSV and XML documents, streamed: decoded as the bytes arrive, appended in batches; a document cut off
        /// mid-way is rewound (savepoint) and fetched again.
        func loadStream(url: String) async throws {
            try await db.run { [load] _ in try load.value.markDocument() }
            let startPosition = position
            let startCursor = cursor.value
            let options = try runner.streamDecoderFactory()
            try await fetcher.fetch(request(url), onUnauthorized: onUnauthorized) { head, body in
                if head.attempt > 1 || self.position != startPosition {
                    try await self.db.run { [load = self.load] _ in try load.value.rewindDocument() }
                    self.position = startPosition
                    self.cursor.value = startCursor
                }
                let stream = RecordStream(decoder: try options())
                var pending: [DecodeEvent] = []
                do {
                    for try await buffer in body {
                        try buffer.withUnsafeReadableBytes { raw in try stream.feed(raw) { pending.append($0) } }
                        if pending.count >= self.runner.batchSize {
                            try await self.stage(pending)
                            pending.removeAll(keepingCapacity: true)
                        }
                    }
                    try stream.finish { pending.append($0) }
                } catch let error as InflateError {
                    throw DamagedPage(reason: error.description)
                }
                try await self.stage(pending)
            }
        }

        /// A local file (a path or a glob in `request.url`), streamed in 1 MiB reads.
        func loadFile(_ path: String) async throws {
            guard let handle = FileHandle(forReadingAtPath: path) else {
                throw LocalFiles.Unreadable(feed: runner.manifest.name, path: path)
            }
            defer { try? handle.close() }
            let stream = RecordStream(decoder: try runner.streamDecoderFactory()())
            var pending: [DecodeEvent] = []
            do {
                while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                    try chunk.withUnsafeBytes { raw in try stream.feed(raw) { pending.append($0) } }
                    if pending.count >= runner.batchSize {
                        try await stage(pending)
                        pending.removeAll(keepingCapacity: true)
                    }
                }
                try stream.finish { pending.append($0) }
            } catch let error as InflateError {
                throw LocalFiles.Unreadable(feed: runner.manifest.name, path: path, reason: error.description)
            }
            try await stage(pending)
        }

        /// Types decoded records and appends them (with the rejects) to the load.
        /// `reached`: the position to report as progress when the caller tracks positions itself.
        func stage(_ events: [DecodeEvent], trackPosition: Bool = true, reached: Int? = nil) async throws {
            guard !events.isEmpty else { return }
            var staged: [StagedRecord] = []
            var rejects: [RejectedRecord] = []
            staged.reserveCapacity(events.count)
            for event in events {
                switch event {
                case .record(let record):
                    let values = projection.values(of: record)
                    let extra = projection.extraFields(of: record).map { ($0.path, $0.value) }
                    let raw = { Session.rawText(record.fields.map { ($0.path, $0.value) }) }
                    switch typer.type(position: record.number, values: values, extra: extra, raw: raw) {
                    case .staged(let row):
                        if let index = cursorIndex, let value = row.values[index] { advanceCursor(value) }
                        staged.append(row)
                    case .rejected(let reject):
                        rejects.append(reject)
                    }
                case .rejected(let error):
                    rejects.append(
                        RejectedRecord(position: error.record, field: error.field, reason: "\(error.reason.rawValue): \(error.message)", raw: nil))
                }
            }
            if trackPosition, case .record(let last)? = events.last { position = max(position, last.number) }
            try await append(staged, rejects, reached: reached ?? position)
        }

        /// Types the records of a page read by `DirectJSONPageReader` and appends them (with the rejects) to the
        /// load; a reject's raw text is rebuilt from the record's bytes.
        func stage(_ page: ProjectedPage, bytes: [UInt8], extractor: JSONRecordExtractor, reached: Int) async throws {
            guard !page.records.isEmpty else { return }
            var staged: [StagedRecord] = []
            var rejects: [RejectedRecord] = []
            staged.reserveCapacity(page.records.count)
            for record in page.records {
                let raw = {
                    let json = Data(bytes[record.bytes])
                    return Session.rawText(extractor.fields(ofRecord: json).map { ($0.path, $0.value) })
                }
                switch typer.type(position: record.number, values: record.values, extra: record.extra, raw: raw) {
                case .staged(let row):
                    if let index = cursorIndex, let value = row.values[index] { advanceCursor(value) }
                    staged.append(row)
                case .rejected(let reject):
                    rejects.append(reject)
                }
            }
            try await append(staged, rejects, reached: reached)
        }

        private func append(_ staged: [StagedRecord], _ rejects: [RejectedRecord], reached: Int) async throws {
            try await db.run { [load] _ in try load.value.append(staged, rejects: rejects) }
            progress?(reached, fetcher.statistics.bytes)
        }

        private func advanceCursor(_ value: String) {
            guard let current = cursor.value else {
                cursor.value = value
                return
            }
            if IncrementalPlan.isAfter(value, current) { cursor.value = value }
        }

        /// A decoded record as `path=value` lines, for `citypipe.rejects.raw` (never logged).
        static func rawText(_ fields: [(String, String?)]) -> String {
            fields.map { "\($0.0)=\($0.1 ?? "")" }.joined(separator: "\n")
        }
    }

    /// Makes a fresh decoder for each attempt at a streamed document.
    func streamDecoderFactory() throws -> @Sendable () throws -> any StreamingRecordDecoder {
        let records = manifest.records
        switch manifest.kind {
        case .csv:
            let csv = records.csv
            let options = Ingest.CSVOptions(
                delimiter: csv?.delimiter.utf8.first ?? UInt8(ascii: ","),
                quote: csv.map { $0.quote.isEmpty ? nil : $0.quote.utf8.first } ?? UInt8(ascii: "\""),
                hasHeader: csv?.header ?? true, columnNames: csv?.columns,
                encoding: Ingest.CSVTextEncoding(rawValue: csv?.encoding.rawValue ?? "utf-8") ?? .utf8)
            return { try CSVStreamDecoder(options: options) }
        case .xml:
            guard let element = records.element else {
                throw StagingError.invalidSchema(feed: manifest.name, reason: "an xml feed needs records.element")
            }
            let embedded = records.embedded.map {
                EmbeddedXMLOptions(
                    element: $0.content.description, typeElement: $0.typeElement?.description ?? "",
                    types: Set($0.types), recordPath: $0.element.description)
            }
            let options = XMLRecordOptions(recordPath: element.description, embedded: embedded)
            return { XMLRecordDecoder(options: options) }
        default:
            throw StagingError.invalidSchema(
                feed: manifest.name, reason: "kind \(manifest.kind.rawValue) is not supported by this citypipe yet")
        }
    }
}

/// A REST page as read: through Foundation, or by the direct reader (with its bytes, for rejects' raw text).
enum FetchedPage: Sendable {
    case decoded(JSONPage)
    case projected(ProjectedPage, [UInt8])

    var count: Int {
        switch self {
        case .decoded(let page): page.records.count
        case .projected(let page, _): page.records.count
        }
    }

    var next: String? {
        switch self {
        case .decoded(let page): page.next
        case .projected(let page, _): page.next
        }
    }
}

/// A page or document that arrived damaged (cut short, corrupt gzip, unparseable): fetched again.
struct DamagedPage: RetryableBodyError, CustomStringConvertible {
    let reason: String
    var description: String { reason }
}

extension PagePlanner {
    /// Where the next cursor or URL is in a page's body, for the JSON extractor.
    var nextPath: String? {
        switch pagination {
        case .cursor(let cursor): return cursor.cursorPath.text
        case .nextURL(let next) where next.from == .body: return next.path?.text
        default: return nil
        }
    }
}
