import Foundation
import HTTPTypes
import Hummingbird
import Postgres
import Transform

/// OGC API – Features under `/ogc`: Part 1 (core, GeoJSON, OpenAPI 3.0) and Part 2 (CRS), over the views whose
/// model header declares a `collection`. The roles of the API apply: a collection with personal columns needs
/// an analyst or officer token, and a viewer sees its counts of people suppressed below 5.
struct OGCRoutes: Sendable {
    let service: OpsService

    static let itemsParameters: Set<String> = [
        "limit", "offset", "cursor", "bbox", "bbox-crs", "crs", "datetime", "properties", "f", "filter", "filter-lang", "filter-crs",
    ]

    // MARK: - Landing, conformance, collections

    func landing(request: Request, context: OpsRequestContext) async throws -> Response {
        _ = try context.requireCaller()
        try OGCRoutes.only(request, ["f"])
        let base = OGCRoutes.base(request)
        var body = JSONOutput()
        body.object { o in
            o.field("title", "CityPipe — Bắc Ninh")
            o.field("description", "The integrated data of the province's data-integration centre as OGC API – Features.")
            o.key("links")
            o.array { links in
                OGCRoutes.link(&links, "\(base)/ogc", rel: "self", type: "application/json", title: "This document")
                OGCRoutes.link(&links, "\(base)/openapi.json", rel: "service-desc", type: "application/vnd.oai.openapi+json;version=3.0", title: "The API definition")
                OGCRoutes.link(&links, "\(base)/ogc/conformance", rel: "conformance", type: "application/json", title: "Conformance classes")
                OGCRoutes.link(&links, "\(base)/ogc/collections", rel: "data", type: "application/json", title: "Collections")
            }
        }
        return OGCRoutes.json(body, request: request, title: "CityPipe — Bắc Ninh: OGC API")
    }

    func conformance(request: Request, context: OpsRequestContext) async throws -> Response {
        _ = try context.requireCaller()
        try OGCRoutes.only(request, ["f"])
        var body = JSONOutput()
        body.object { o in o.field("conformsTo", strings: OGCConformance.classes) }
        return OGCRoutes.json(body, request: request, title: "Conformance")
    }

    func collections(request: Request, context: OpsRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        try OGCRoutes.only(request, ["f"])
        let base = OGCRoutes.base(request)
        let views = try await collectionViews(for: caller.role)
        var extents: [String: [Double]] = [:]
        for view in views { extents[view.name] = try await extent(view) }
        var body = JSONOutput()
        body.object { o in
            o.key("links")
            o.array { links in
                OGCRoutes.link(&links, "\(base)/ogc/collections", rel: "self", type: "application/json", title: "Collections")
            }
            o.key("collections")
            o.array { list in
                for view in views { OGCRoutes.describe(view, extent: extents[view.name], base: base, into: &list) }
            }
        }
        return OGCRoutes.json(body, request: request, title: "Collections")
    }

    func collection(id: String, request: Request, context: OpsRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        try OGCRoutes.only(request, ["f"])
        let view = try await collectionView(id, role: caller.role)
        let extent = try await extent(view)
        var body = JSONOutput()
        OGCRoutes.describe(view, extent: extent, base: OGCRoutes.base(request), into: &body)
        return OGCRoutes.json(body, request: request, title: id)
    }

    func queryables(id: String, request: Request, context: OpsRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        try OGCRoutes.only(request, ["f"])
        let view = try await collectionView(id, role: caller.role)
        var parameters = SQLParameters()
        let columns = RoleShaping(role: caller.role).columns(of: view, pseudonymKey: "", parameters: &parameters)
        var body = JSONOutput()
        body.object { o in
            o.field("$schema", "https://json-schema.org/draft/2020-12/schema")
            o.field("$id", "\(OGCRoutes.base(request))/ogc/collections/\(id)/queryables")
            o.field("type", "object")
            o.field("title", id)
            o.key("properties")
            o.object { properties in
                for column in columns where OGCRoutes.isQueryable(column) {
                    properties.key(column.name)
                    properties.object { p in
                        p.field("title", column.name)
                        p.field("type", OGCRoutes.jsonType(column))
                        if column.type == "date" { p.field("format", "date") }
                        if column.type.hasPrefix("timestamp") { p.field("format", "date-time") }
                    }
                }
                if let collection = view.collection {
                    properties.key(collection.geometry)
                    properties.object { p in p.field("format", "geometry-any") }
                }
            }
            o.field("additionalProperties", false)
        }
        return OGCRoutes.json(body, type: "application/schema+json", request: request, title: "Queryables: \(id)")
    }

    // MARK: - Items

    func items(id: String, request: Request, context: OpsRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let view = try await collectionView(id, role: caller.role)
        guard let collection = view.collection else { throw APIError.notFound("no collection \(id)") }
        let query = try QueryString(request.uri.query)
        var parsed = ViewRequest()
        parsed.limit = 10
        var parameters = SQLParameters()
        let shaped = RoleShaping(role: caller.role).columns(of: view, pseudonymKey: "", parameters: &parameters)
        let queryable = Set(shaped.filter(OGCRoutes.isQueryable).map(\.name))
        var spatial = SpatialRequest(geometryColumn: collection.geometry, timeColumns: collection.time)
        for (name, value) in query.items {
            if OGCRoutes.itemsParameters.contains(name) { continue }
            guard queryable.contains(name) else {
                throw APIError.badRequest("unknown_parameter", "'\(name.prefix(40))' is not a parameter of items nor a queryable of \(id) (GET /ogc/collections/\(id)/queryables)")
            }
            parsed.filters.append(Filter(column: name, negated: false, op: .eq, operand: .value(value)))
        }
        if let text = try query.single("limit") {
            guard let value = Int(text), (1...ViewRequest.maximumLimit).contains(value) else {
                throw APIError.badRequest("bad_limit", "limit: a whole number from 1 to \(ViewRequest.maximumLimit) (default 10)")
            }
            parsed.limit = value
        }
        if let text = try query.single("offset") {
            guard let value = Int(text), value >= 0 else { throw APIError.badRequest("bad_offset", "offset: a whole number from 0") }
            parsed.offset = value
        }
        if let text = try query.single("cursor") {
            guard text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }), !text.isEmpty else {
                throw APIError.badRequest("bad_cursor", "cursor: not a cursor this API gave")
            }
            parsed.cursor = text
        }
        if parsed.cursor != nil && parsed.offset > 0 { throw APIError.badRequest("bad_cursor", "give cursor or offset, not both") }
        if let text = try query.single("f"), !["json", "geojson", "html"].contains(text) {
            throw APIError.badRequest("bad_format", "f: json, geojson or html")
        }
        if let text = try query.single("crs") { spatial.outputCRS = try OGCCRS.parse(text, parameter: "crs") }
        if let text = try query.single("bbox-crs") { spatial.bboxCRS = try OGCCRS.parse(text, parameter: "bbox-crs") }
        if let text = try query.single("bbox") {
            let numbers = text.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard numbers.count == 4 || numbers.count == 6, numbers.allSatisfy({ $0?.isFinite == true }) else {
                throw APIError.badRequest("bad_bbox", "bbox: four numbers, minx,miny,maxx,maxy (in bbox-crs; CRS84 by default)")
            }
            let values = numbers.compactMap { $0 }
            spatial.bbox = values.count == 6 ? [values[0], values[1], values[3], values[4]] : values
        } else if query.items.contains(where: { $0.name == "bbox-crs" }) {
            throw APIError.badRequest("bad_bbox", "bbox-crs without bbox")
        }
        if let text = try query.single("datetime") {
            guard !collection.time.isEmpty else {
                throw APIError.badRequest("bad_datetime", "\(id) has no time: datetime does not apply")
            }
            let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard (1...2).contains(parts.count), parts.allSatisfy({ $0 == ".." || $0 == "" || OGCRoutes.isTime($0) }),
                  parts.count == 2 || OGCRoutes.isTime(parts[0])
            else {
                throw APIError.badRequest("bad_datetime", "datetime: an instant (2025-07-01 or 2025-07-01T00:00:00Z) or an interval start/end, either end .. when open")
            }
            spatial.hasTime = true
            if parts.count == 1 {
                spatial.timeStart = parts[0]
                spatial.timeEnd = parts[0]
            } else {
                spatial.timeStart = parts[0] == ".." || parts[0].isEmpty ? nil : parts[0]
                spatial.timeEnd = parts[1] == ".." || parts[1].isEmpty ? nil : parts[1]
            }
        }
        if let text = try query.single("properties") {
            let names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            for name in names where !shaped.contains(where: { $0.name == name }) {
                throw APIError.badRequest("unknown_column", "properties: \(id) has no property \(name.prefix(40))")
            }
            parsed.select = names + [collection.geometry]
        }
        if let language = try query.single("filter-lang"), language != "cql2-text" {
            throw APIError.badRequest("bad_filter", "filter-lang: cql2-text is the language served")
        }
        if let text = try query.single("filter") {
            let crs = try query.single("filter-crs").map { value throws(APIError) in try OGCCRS.parse(value, parameter: "filter-crs") } ?? .crs84
            guard crs != .epsg4326 else { throw APIError.badRequest("bad_crs", "filter-crs: give CRS84 (longitude first) or a VN-2000 zone") }
            parsed.cql2 = (text, crs)
        } else if query.items.contains(where: { $0.name == "filter-crs" }) {
            throw APIError.badRequest("bad_filter", "filter-crs without filter")
        }
        parsed.spatial = spatial
        return try await respondItems(view: view, collection: collection, parsed: parsed, query: query, request: request, caller: caller, requestID: context.requestID, single: nil)
    }

    func item(id: String, featureID: String, request: Request, context: OpsRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        try OGCRoutes.only(request, ["crs", "f"])
        let view = try await collectionView(id, role: caller.role)
        guard let collection = view.collection else { throw APIError.notFound("no collection \(id)") }
        let query = try QueryString(request.uri.query)
        let values = featureID.split(separator: "@", omittingEmptySubsequences: false).map(String.init)
        guard values.count == view.uniqueKey.count, !view.uniqueKey.isEmpty else {
            throw APIError.notFound("no feature \(featureID.prefix(60)) in \(id)")
        }
        var parsed = ViewRequest()
        parsed.limit = 1
        parsed.filters = zip(view.uniqueKey, values).map { Filter(column: $0, negated: false, op: .eq, operand: .value($1)) }
        var spatial = SpatialRequest(geometryColumn: collection.geometry, timeColumns: collection.time)
        if let text = try query.single("crs") { spatial.outputCRS = try OGCCRS.parse(text, parameter: "crs") }
        parsed.spatial = spatial
        return try await respondItems(view: view, collection: collection, parsed: parsed, query: query, request: request, caller: caller, requestID: context.requestID, single: featureID)
    }

    private func respondItems(
        view: ViewDescriptor, collection: SQLModel.Collection, parsed: ViewRequest, query: QueryString, request: Request,
        caller: Caller, requestID: String, single: String?
    ) async throws -> Response {
        let purpose = try ViewPager.purpose(request, caller: caller)
        // Collections without personal data are answered from memory until their table is rebuilt.
        let cacheKey = !view.isPersonal ? view.build.map {
            // Links are absolute: the host and scheme the client used are part of the answer.
            ResponseCache.key(build: $0.modelRunID, role: caller.role, format: "ogc \(OGCHTML.wanted(request) ? "html" : "json") " + OGCRoutes.base(request),
                              path: request.uri.path, query: request.uri.query)
        } : nil
        if let cached = service.cache.answer(cacheKey, to: request) { return cached }
        let audit = caller.role == .officer && view.isPersonal
        let keys = service.configuration.keys
        var parsed = parsed
        if parsed.select == nil {
            var parameters = SQLParameters()
            parsed.select = RoleShaping(role: caller.role).columns(of: view, pseudonymKey: "", parameters: &parameters).map(\.name)
        }
        let built = Result { () throws(APIError) -> PageStatement in
            try PageStatement(view: view, role: caller.role, request: parsed, format: .geojson, keys: keys, audit: audit)
        }
        if case .failure(let error) = built, let single, error.code == "bad_filter_value" {
            // A feature id whose key value its column cannot hold is no feature.
            throw APIError.notFound("no feature \(single.prefix(60)) in \(collection.id)")
        }
        let statement = try built.get()
        let outputCRS = parsed.spatial?.outputCRS ?? .crs84
        var headers = ViewPager.provenance(view: view, role: caller.role, query: request.uri.path + "?" + (request.uri.query ?? ""), format: .geojson)
        if let tag = headers[.eTag], request.headers[.ifNoneMatch].map({ ViewPager.matches($0, tag) }) == true {
            return Response(status: .notModified, headers: headers)
        }
        let reader = PageReader(service: service)
        var counting: (@Sendable (PostgresConnection) throws -> Int64?)? = nil
        if single == nil {
            let counted = parsed
            let role = caller.role
            counting = { connection in
                let (sql, parameters) = try PageStatement.count(view: view, role: role, request: counted, keys: keys)
                return try connection.query(sql, parameters, name: "items matched").first?.decode(Int64.self, "n")
            }
        }
        let result = try await reader.read(statement, cursor: parsed.cursor, doing: "reading \(collection.id)", count: counting)
        if let purpose, audit {
            try await reader.audit(result, of: statement, entry: AuditWriter.Entry(
                requestID: requestID, caller: caller, purpose: purpose, view: view.name,
                request: request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")))
        }
        let visible = result.rows.count
        let limit = statement.limit ?? Int.max
        let renderer = RowRenderer(columns: statement.columns, format: .geojson, geometryColumn: collection.geometry, idColumns: view.uniqueKey, idSeparator: "@")
        var bytes: [UInt8] = []
        let base = OGCRoutes.base(request)
        if let single {
            guard let values = result.rows.first else { throw APIError.notFound("no feature \(single.prefix(60)) in \(collection.id)") }
            renderer.row(values, into: &bytes)
            // Links of the feature, appended inside its object.
            if bytes.last == UInt8(ascii: "}") { bytes.removeLast() }
            var links = JSONOutput()
            links.array { l in
                OGCRoutes.link(&l, "\(base)/ogc/collections/\(collection.id)/items/\(single)", rel: "self", type: "application/geo+json", title: nil)
                OGCRoutes.link(&l, "\(base)/ogc/collections/\(collection.id)", rel: "collection", type: "application/json", title: nil)
            }
            bytes += Array(",\"links\":".utf8) + links.bytes + [UInt8(ascii: "}")]
        } else {
            let nextCursor = result.nextCursor
            bytes += Array(#"{"type":"FeatureCollection","features":["#.utf8)
            for (index, values) in result.rows.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                renderer.row(values, into: &bytes)
            }
            bytes += Array("],".utf8)
            var tail = JSONOutput()
            tail.beginObject()
            if let matched = result.count { tail.field("numberMatched", matched) }
            tail.field("numberReturned", visible)
            tail.field("timeStamp", ViewPager.iso8601(Date()))
            tail.key("links")
            tail.array { l in
                let path = "\(base)/ogc/collections/\(collection.id)/items"
                let kept = query.items.filter { $0.name != "cursor" && $0.name != "offset" }
                func url(_ extra: [(String, String)]) -> String {
                    let items = kept + extra
                    return path + (items.isEmpty ? "" : "?" + items.map { ViewPager.encode($0.0) + "=" + ViewPager.encode($0.1) }.joined(separator: "&"))
                }
                OGCRoutes.link(&l, url(parsed.offset > 0 ? [("offset", String(parsed.offset))] : []), rel: "self", type: "application/geo+json", title: nil)
                if let nextCursor {
                    // A keyset cursor when paging by cursor; the next offset when paging by offset (OWSLib, ArcGIS).
                    let next = parsed.offset > 0 || parsed.cursor == nil && query.items.contains(where: { $0.name == "offset" })
                        ? [("offset", String(parsed.offset + visible))] : [("cursor", nextCursor)]
                    OGCRoutes.link(&l, url(next), rel: "next", type: "application/geo+json", title: "Next page")
                }
                if parsed.offset > 0 {
                    OGCRoutes.link(&l, url([("offset", String(max(0, parsed.offset - limit)))]), rel: "prev", type: "application/geo+json", title: "Previous page")
                }
                OGCRoutes.link(&l, "\(base)/ogc/collections/\(collection.id)", rel: "collection", type: "application/json", title: nil)
            }
            tail.endObject()
            bytes += Array(tail.bytes.dropFirst())
        }
        headers[.contentType] = "application/geo+json"
        headers[HTTPField.Name("Content-Crs")!] = "<\(outputCRS.rawValue)>"
        service.metrics.rowsStreamed(view: view.name, count: visible)
        if OGCHTML.wanted(request) {
            // Pages for a browser are rare: made each time, never cached.
            return OGCHTML.response(json: bytes, title: single.map { "\(collection.id): \($0)" } ?? "\(collection.id): features", headers: headers)
        }
        if let cacheKey { service.cache.store(cacheKey, status: .ok, headers: headers, body: bytes) }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    // MARK: - Pieces

    /// The collections a role may read, by id.
    func collectionViews(for role: Role) async throws -> [ViewDescriptor] {
        let catalog = try await service.viewCatalog()
        let shaping = RoleShaping(role: role)
        return catalog.sortedViews.filter { $0.collection != nil && $0.isBuilt && shaping.refusal(for: $0) == nil }
            .sorted { ($0.collection?.id ?? "") < ($1.collection?.id ?? "") }
    }

    func collectionView(_ id: String, role: Role) async throws -> ViewDescriptor {
        let catalog = try await service.viewCatalog()
        guard let view = catalog.sortedViews.first(where: { $0.collection?.id == id }), view.isBuilt else {
            throw APIError.notFound("no collection \(id.prefix(60)) (GET /ogc/collections lists them)")
        }
        if let refusal = RoleShaping(role: role).refusal(for: view) { throw APIError.forbidden(refusal) }
        return view
    }

    /// The collection's extent in CRS84, and its time span.
    func extent(_ view: ViewDescriptor) async throws -> [Double] {
        guard let collection = view.collection else { return [] }
        let geometry = SQLText.identifier(collection.geometry)
        let row = try await service.reader.withConnection { connection in
            try connection.query(
                "SELECT ST_XMin(e) AS x0, ST_YMin(e) AS y0, ST_XMax(e) AS x1, ST_YMax(e) AS y1 FROM (SELECT ST_Extent(ST_Transform(\(geometry), 4326))::geometry AS e FROM \(view.quotedTable)) AS s",
                name: "collection extent").first
        }
        guard let row, let x0 = try row.decode(Double?.self, "x0"), let y0 = try row.decode(Double?.self, "y0"),
              let x1 = try row.decode(Double?.self, "x1"), let y1 = try row.decode(Double?.self, "y1") else { return [] }
        return [x0, y0, x1, y1]
    }

    static func describe(_ view: ViewDescriptor, extent: [Double]?, base: String, into body: inout JSONOutput) {
        guard let collection = view.collection else { return }
        body.object { c in
            c.field("id", collection.id)
            c.field("title", collection.id)
            c.field("description", view.description)
            c.field("itemType", "feature")
            if let extent, extent.count == 4 {
                c.key("extent")
                c.object { e in
                    e.key("spatial")
                    e.object { s in
                        s.key("bbox")
                        s.array { b in b.array { box in for value in extent { box.double(value) } } }
                        s.field("crs", OGCCRS.crs84.rawValue)
                    }
                }
            }
            c.field("crs", strings: OGCCRS.allCases.map(\.rawValue))
            c.field("storageCrs", OGCCRS.crs84.rawValue)
            c.key("links")
            c.array { links in
                let path = "\(base)/ogc/collections/\(collection.id)"
                link(&links, path, rel: "self", type: "application/json", title: collection.id)
                link(&links, "\(path)/items", rel: "items", type: "application/geo+json", title: "Features")
                link(&links, "\(path)/queryables", rel: "http://www.opengis.net/def/rel/ogc/1.0/queryables", type: "application/schema+json", title: "Queryables")
                link(&links, "\(path)/queryables", rel: "describedby", type: "application/schema+json", title: "Schema")
                link(&links, "\(path)/queryables", rel: "describedBy", type: "application/schema+json", title: "Schema")
            }
        }
    }

    static func link(_ links: inout JSONOutput, _ href: String, rel: String, type: String, title: String?) {
        links.object { l in
            l.field("href", href)
            l.field("rel", rel)
            l.field("type", type)
            if let title { l.field("title", title) }
        }
    }

    static func isQueryable(_ column: RoleShaping.Column) -> Bool {
        column.category == .number || column.category == .boolean || column.category == .text
    }

    static func jsonType(_ column: RoleShaping.Column) -> String {
        switch column.category {
        case .number: return ["smallint", "integer", "bigint"].contains(column.type) ? "integer" : "number"
        case .boolean: return "boolean"
        default: return "string"
        }
    }

    static func isTime(_ text: String) -> Bool {
        text.range(of: #"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))?$"#, options: .regularExpression) != nil
    }

    /// The scheme and host the client used (links are absolute, as OGC clients expect).
    static func base(_ request: Request) -> String {
        let host = request.head.authority ?? "127.0.0.1"
        let scheme = request.headers[HTTPField.Name("X-Forwarded-Proto")!] == "https" ? "https" : "http"
        return "\(scheme)://\(host)"
    }

    /// 400 for parameters other than `allowed`.
    static func only(_ request: Request, _ allowed: Set<String>) throws(APIError) {
        try StatusRoutes.noParameters(request, except: allowed)
        let query = try QueryString(request.uri.query)
        if let format = try query.single("f"), !["json", "geojson", "html"].contains(format) {
            throw .badRequest("bad_format", "f: json or html")
        }
    }

    static func json(_ body: JSONOutput, type: String = "application/json", request: Request? = nil, title: String = "CityPipe — OGC API") -> Response {
        if let request, OGCHTML.wanted(request) { return OGCHTML.response(json: body.bytes, title: title) }
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.cacheControl] = "private, max-age=60, must-revalidate"
        headers[.vary] = "Authorization"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body.bytes)))
    }
}
