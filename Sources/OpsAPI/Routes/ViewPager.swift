import Foundation
import HTTPTypes
import Hummingbird
import Postgres

/// Serves `GET /v1/views/{name}`: a page of a view for the caller's role, in the format asked for, with its
/// provenance, its next link, and (for an officer reading personal data) its audit row written first.
struct ViewPager: Sendable {
    let service: OpsService

    /// Rows per chunk of a streamed export (each chunk one audit row for officers).
    static let chunkRows = 2_000

    func respond(name: String, request: Request, context: OpsRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let query = try QueryString(request.uri.query)
        var parsed = try ViewRequest(query)
        let catalog = try await service.viewCatalog()
        guard let view = catalog.views[name] else {
            throw APIError.notFound("no view named \(name.prefix(80)) (GET /v1/views lists them)")
        }
        if let refusal = RoleShaping(role: caller.role).refusal(for: view) { throw APIError.forbidden(refusal) }
        guard view.isBuilt else {
            throw APIError.unavailable("\(view.name) has not been built yet; run citypipe transform")
        }
        let purpose = try ViewPager.purpose(request, caller: caller)
        let format = try ViewPager.format(parsed, request: request, view: view)
        parsed.format = format
        if parsed.limit == nil && !format.streams {
            throw APIError.badRequest("bad_limit", "limit=all is for the csv and ndjson exports; json and geojson pages take limit 1 to \(ViewRequest.maximumLimit) and a cursor")
        }
        // Views without personal data are answered from memory until they are rebuilt.
        let cacheKey = !view.isPersonal && parsed.limit != nil ? view.build.map {
            ResponseCache.key(build: $0.modelRunID, role: caller.role, format: format.rawValue, path: request.uri.path, query: request.uri.query)
        } : nil
        if let cached = service.cache.answer(cacheKey, to: request) { return cached }
        let audit = caller.role == .officer && view.isPersonal
        let statement = try PageStatement(view: view, role: caller.role, request: parsed, format: format, keys: service.configuration.keys, audit: audit)
        var headers = ViewPager.provenance(view: view, role: caller.role, query: request.uri.query ?? "", format: format)
        if let tag = headers[.eTag], request.headers[.ifNoneMatch].map({ ViewPager.matches($0, tag) }) == true {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = format.contentType
        let auditEntry = purpose.map {
            AuditWriter.Entry(requestID: context.requestID, caller: caller, purpose: $0, view: view.name,
                              request: request.uri.path + (request.uri.query.map { "?" + $0 } ?? ""))
        }
        let renderer = RowRenderer(columns: statement.columns, format: format, geometryColumn: view.geometryColumn, idColumns: view.uniqueKey)
        if parsed.limit == nil {
            return try await stream(statement, view: view, renderer: renderer, headers: headers, audit: audit ? auditEntry : nil)
        }
        return try await page(statement, view: view, parsed: parsed, query: query, path: request.uri.path, renderer: renderer,
                              headers: headers, audit: audit ? auditEntry : nil, role: caller.role, cacheKey: cacheKey)
    }

    // MARK: - A page

    private func page(
        _ statement: PageStatement, view: ViewDescriptor, parsed: ViewRequest, query: QueryString, path: String,
        renderer: RowRenderer, headers: HTTPFields, audit: AuditWriter.Entry?, role: Role, cacheKey: String?
    ) async throws -> Response {
        let keys = service.configuration.keys
        let reader = PageReader(service: service)
        let counting: (@Sendable (PostgresConnection) throws -> Int64?)?
        switch parsed.count {
        case .none: counting = nil
        case .exact:
            counting = { connection in
                let (sql, parameters) = try PageStatement.count(view: view, role: role, request: parsed, keys: keys)
                return try connection.query(sql, parameters, name: "view count").first?.decode(Int64.self, "n")
            }
        case .estimated:
            counting = { connection in try ViewPager.estimate(connection, view: view, role: role, request: parsed, keys: keys) }
        }
        let result = try await reader.read(statement, cursor: parsed.cursor, doing: "reading \(view.name)", count: counting)
        if let audit { try await reader.audit(result, of: statement, entry: audit) }
        let visible = result.rows.count
        let nextCursor = result.nextCursor
        var headers = headers
        var nextLink: String? = nil
        if let nextCursor {
            var items = query.items.filter { $0.name != "cursor" && $0.name != "offset" }
            items.append(("cursor", nextCursor))
            nextLink = path + "?" + items.map { ViewPager.encode($0.name) + "=" + ViewPager.encode($0.value) }.joined(separator: "&")
            headers[HTTPField.Name("Link")!] = "<\(nextLink ?? "")>; rel=\"next\""
        }
        if let count = result.count { headers[HTTPField.Name("X-CityPipe-Count")!] = String(count) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(visible * 128 + 256)
        switch renderer.format {
        case .csv:
            renderer.csvHeader(into: &bytes)
            for values in result.rows { renderer.row(values, into: &bytes) }
        case .ndjson:
            for values in result.rows {
                renderer.row(values, into: &bytes)
                bytes.append(0x0A)
            }
        case .json, .geojson:
            var head = JSONOutput()
            head.beginObject()
            if renderer.format == .geojson { head.field("type", "FeatureCollection") }
            head.field("view", view.name)
            head.field("as_of", view.build.map { ViewPager.iso8601($0.finishedAt) })
            head.field("run_id", view.build?.runID)
            if let count = result.count { head.field("count", count) }
            head.field(renderer.format == .geojson ? "numberReturned" : "returned", visible)
            head.field("next_cursor", nextCursor)
            head.field("next", nextLink)
            head.key(renderer.format == .geojson ? "features" : "rows")
            bytes += head.bytes
            bytes.append(UInt8(ascii: "["))
            for (index, values) in result.rows.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                renderer.row(values, into: &bytes)
            }
            bytes += Array("]}".utf8)
        }
        service.metrics.rowsStreamed(view: view.name, count: visible)
        if let cacheKey { service.cache.store(cacheKey, status: .ok, headers: headers, body: bytes) }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    // MARK: - A streamed export (limit=all)

    private func stream(
        _ statement: PageStatement, view: ViewDescriptor, renderer: RowRenderer, headers: HTTPFields, audit: AuditWriter.Entry?
    ) async throws -> Response {
        let channel = ChunkChannel(capacity: 4)
        let service = self.service
        let width = statement.columns.count
        // The export runs on one of the reader's connections, in one read-only snapshot, FETCHing a chunk at a
        // time; each chunk is audited (officers) before it is handed to the response. The channel holds a few
        // chunks: a slow client slows the export, memory stays flat.
        @Sendable func produce() {
            var sent = 0
            do {
                try service.reader.withConnection { connection in
                    try connection.simpleExecute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", name: "begin export")
                    do {
                        try connection.query("DECLARE export NO SCROLL CURSOR FOR \(statement.sql)", statement.parameters, name: "declare export")
                        // The first chunk carries the CSV header: a request PostgreSQL refuses (a value its column
                        // cannot hold, a bad cursor) fails before anything is sent, and is answered 400, not a cut 200.
                        var first = true
                        while true {
                            let rows = try connection.query("FETCH \(ViewPager.chunkRows) FROM export", name: "fetch export")
                            if rows.isEmpty && !first { break }
                            if let audit, statement.hasSubject, !rows.isEmpty {
                                let subjects = rows.values.compactMap { $0[width + 1] }
                                _ = try service.auditor.withConnection { try AuditWriter.append($0, audit, subjects: subjects) }
                                service.metrics.audited(count: rows.count)
                            }
                            var bytes: [UInt8] = []
                            bytes.reserveCapacity(rows.count * 128 + 256)
                            if first && renderer.format == .csv { renderer.csvHeader(into: &bytes) }
                            first = false
                            for values in rows.values {
                                renderer.row(values, into: &bytes)
                                if renderer.format == .ndjson { bytes.append(0x0A) }
                            }
                            sent += rows.count
                            if !channel.send(bytes) { throw ChunkChannel.Closed() }
                            if rows.isEmpty { break }
                        }
                        try connection.simpleExecute("COMMIT", name: "end export")
                    } catch {
                        try? connection.simpleExecute("ROLLBACK", name: "abort export")
                        throw error
                    }
                }
                channel.finish(nil)
            } catch {
                channel.finish(error is ChunkChannel.Closed ? nil : APIError.from(error, doing: "exporting \(view.name)"))
            }
            service.metrics.rowsStreamed(view: view.name, count: sent)
        }
        // The export starts now; the status is decided by its first chunk (an error before it is the answer), and
        // the export stops when the writer stops (done, error, client gone).
        DispatchQueue.global().async { produce() }
        let first: [UInt8]?
        do {
            first = try await channel.next()
        } catch {
            channel.markConsumerGone()
            throw error
        }
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            defer { channel.markConsumerGone() }
            if let first { try await writer.write(ByteBuffer(bytes: first)) }
            while let chunk = try await channel.next() {
                try await writer.write(ByteBuffer(bytes: chunk))
            }
            try await writer.finish(nil)
        })
    }

    // MARK: - Pieces

    /// An officer's stated purpose (400 when missing or not on the list); nil for other roles.
    static func purpose(_ request: Request, caller: Caller) throws(APIError) -> Purpose? {
        guard caller.role == .officer else { return nil }
        guard let given = request.headers[HTTPField.Name("X-Purpose")!], !given.isEmpty else {
            throw .badRequest("purpose_required", "an officer states the purpose of every request in X-Purpose (one of: \(Purpose.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard let purpose = Purpose(rawValue: given.trimmingCharacters(in: .whitespaces)) else {
            throw .badRequest("bad_purpose", "X-Purpose is not one of: \(Purpose.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return purpose
    }

    static func format(_ parsed: ViewRequest, request: Request, view: ViewDescriptor) throws(APIError) -> OutputFormat {
        let format: OutputFormat
        if let given = parsed.format {
            format = given
        } else if let negotiated = OutputFormat.negotiate(accept: request.headers[.accept]) {
            format = negotiated
        } else {
            throw APIError(.notAcceptable, "not_acceptable", "Accept: this API serves application/json, text/csv, application/x-ndjson and application/geo+json")
        }
        if format == .geojson && view.geometryColumn == nil {
            throw .badRequest("bad_format", "\(view.name) has no geometry: ask for json, csv or ndjson")
        }
        return format
    }

    /// Provenance and caching: the build served, an ETag of the build and the request, private caching.
    static func provenance(view: ViewDescriptor, role: Role, query: String, format: OutputFormat) -> HTTPFields {
        var headers = HTTPFields()
        if let build = view.build {
            headers[HTTPField.Name("X-CityPipe-As-Of")!] = iso8601(build.finishedAt)
            headers[HTTPField.Name("X-CityPipe-Run")!] = String(build.runID)
            headers[.eTag] = "W/\"m\(build.modelRunID)-\(String(fnv1a("\(role.rawValue)|\(format.rawValue)|\(query)"), radix: 36))\""
        }
        // Views change once a night: a client may keep a page for a minute, then revalidate with its ETag.
        headers[.cacheControl] = "private, max-age=60, must-revalidate"
        headers[.vary] = "Authorization, Accept"
        return headers
    }

    static func matches(_ ifNoneMatch: String, _ tag: String) -> Bool {
        ifNoneMatch.split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces) == tag || $0.trimmingCharacters(in: .whitespaces) == "*" }
    }

    static func estimate(_ connection: PostgresConnection, view: ViewDescriptor, role: Role, request: ViewRequest, keys: PageStatement.Keys) throws -> Int64 {
        if request.filters.isEmpty && view.estimatedRows >= 0 { return view.estimatedRows }
        let (sql, parameters) = try PageStatement.count(view: view, role: role, request: request, keys: keys)
        let plan = try connection.query("EXPLAIN (FORMAT JSON) " + sql.replacingOccurrences(of: "SELECT count(*) AS n FROM", with: "SELECT 1 FROM"), parameters, name: "estimate")
        guard let text = try plan.first?.text(0), let range = text.range(of: "\"Plan Rows\": ") else { return -1 }
        return Int64(text[range.upperBound...].prefix { $0.isNumber }) ?? -1
    }

    static func iso8601(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~(),*")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }
}
