import Foundation
import Hummingbird

/// The health department's facility register over HL7 FHIR R4 as HAPI FHIR serves it (open on the province's
/// network): `GET /fhir/r4/Organization` and `/fhir/r4/Location` (search: `_lastUpdated=ge…`, `_sort=_lastUpdated`,
/// `_count`, `_include=Location:organization`), `GET /fhir/r4/{type}/_history?_since=…`, and the paging endpoint
/// `GET /fhir/r4?_getpages=…&_getpagesoffset=…` that every next link points to.
///
/// What a client must get right, served as HAPI does: next links are opaque (a cached search and an offset, never
/// a `_lastUpdated` to rebuild: the register's resources tie on it by the hundred); a search whose total is a
/// multiple of `_count` links a last, empty page (hapi-fhir#5237); history pages always link a next one, empty at
/// the end (hapi-fhir#7711); Location pages carry the Organizations asked with `_include` as `search.mode`
/// `include` entries, and every search's first page an OperationOutcome entry (`search.mode` `outcome`): neither
/// is a match; a deleted resource is absent from search and a DELETE entry in history; a paging link of a search
/// made before the register changed answers 410 Gone (start again from the cursor).
struct FHIRRoutes {
    let simulator: FeedSimulator

    static let defaultCount = 20
    static let maxCount = 1_000
    static let types: Set<String> = ["Organization", "Location"]

    func register(on router: Router<BasicRequestContext>) {
        router.get("/fhir/r4") { request, _ -> Response in
            let fault = try await simulator.admit(.fhir)
            if let rejection = Responses.rejection(for: fault) { return rejection }
            let query = ServletQuery.parameters(request)
            guard let token = query["_getpages"].map(String.init), let search = Search(token: token) else {
                return Self.outcome(.badRequest, "processing", "a paging request needs a _getpages token this server issued")
            }
            guard search.generation == simulator.generation else {
                return Self.outcome(.gone, "not-found", "search \(token) has expired: the register changed; search again")
            }
            let offset = query["_getpagesoffset"].flatMap { Int(String($0)) } ?? 0
            let count = min(Self.maxCount, max(1, query["_count"].flatMap { Int(String($0)) } ?? Self.defaultCount))
            return try await page(request, search: search, offset: offset, count: count, fault: fault)
        }
        router.get("/fhir/r4/:type") { request, context -> Response in
            let fault = try await simulator.admit(.fhir)
            if let rejection = Responses.rejection(for: fault) { return rejection }
            let type = context.parameters.get("type") ?? ""
            guard Self.types.contains(type) else { return Self.outcome(.notFound, "not-supported", "unknown resource type \(type)") }
            let query = ServletQuery.parameters(request)
            let known: Set<String> = ["_lastUpdated", "_sort", "_count", "_include", "_format"]
            if let unknown = query.keys.first(where: { !known.contains($0) }) {
                return Self.outcome(.badRequest, "processing", "Unknown search parameter \"\(unknown)\" for resource type \"\(type)\"")
            }
            if let sort = query["_sort"], sort != "_lastUpdated" {
                return Self.outcome(.badRequest, "processing", "this server sorts by _lastUpdated only")
            }
            var since: Int64? = nil
            if let text = query["_lastUpdated"] {
                guard text.hasPrefix("ge"), let t = Timestamps.parse(text.dropFirst(2)) else {
                    return Self.outcome(.badRequest, "processing", "_lastUpdated takes ge followed by an instant (a '+' sent as %2B)")
                }
                since = t
            }
            let include = query["_include"].map(String.init)
            guard include == nil || (type == "Location" && include == "Location:organization") else {
                return Self.outcome(.badRequest, "processing", "unsupported _include \(include ?? "")")
            }
            let count = min(Self.maxCount, max(1, query["_count"].flatMap { Int(String($0)) } ?? Self.defaultCount))
            let search = Search(history: false, type: type, since: since, generation: simulator.generation, include: include != nil)
            return try await page(request, search: search, offset: 0, count: count, fault: fault)
        }
        router.get("/fhir/r4/:type/_history") { request, context -> Response in
            let fault = try await simulator.admit(.fhir)
            if let rejection = Responses.rejection(for: fault) { return rejection }
            let type = context.parameters.get("type") ?? ""
            guard Self.types.contains(type) else { return Self.outcome(.notFound, "not-supported", "unknown resource type \(type)") }
            let query = ServletQuery.parameters(request)
            var since: Int64? = nil
            if let text = query["_since"] {
                guard let t = Timestamps.parse(text) else {
                    return Self.outcome(.badRequest, "processing", "_since takes an instant (a '+' sent as %2B)")
                }
                since = t
            }
            let count = min(Self.maxCount, max(1, query["_count"].flatMap { Int(String($0)) } ?? Self.defaultCount))
            let search = Search(history: true, type: type, since: since, generation: simulator.generation, include: false)
            return try await page(request, search: search, offset: 0, count: count, fault: fault)
        }
    }

    /// A search or history listing, as its paging token carries it.
    struct Search {
        let history: Bool
        let type: String
        let since: Int64?
        let generation: Int
        let include: Bool

        init(history: Bool, type: String, since: Int64?, generation: Int, include: Bool) {
            self.history = history
            self.type = type
            self.since = since
            self.generation = generation
            self.include = include
        }

        init?(token: String) {
            let parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 5, ["s", "h"].contains(parts[0]), FHIRRoutes.types.contains(parts[1]),
                let generation = Int(parts[3])
            else { return nil }
            history = parts[0] == "h"
            type = parts[1]
            since = parts[2].isEmpty ? nil : Int64(parts[2])
            self.generation = generation
            include = parts[4] == "1"
        }

        var token: String { "\(history ? "h" : "s").\(type).\(since.map(String.init) ?? "").\(generation).\(include ? 1 : 0)" }
    }

    private func page(_ request: Request, search: Search, offset: Int, count: Int, fault: Fault) async throws -> Response {
        let register = try simulator.facilities()
        let base = OGCFeatureRoutes.base(request) + "/fhir/r4"
        var entries: [String] = []
        var total = 0
        var more = false
        if search.history {
            let events = register.history(search.type, at: search.generation).filter { e in search.since.map { e.at >= $0 } ?? true }
            total = events.count
            let slice = events.dropFirst(offset).prefix(count)
            for e in slice {
                let request = "{\"method\":\"\(e.resource == nil ? "DELETE" : e.version == 1 ? "POST" : "PUT")\",\"url\":\"\(e.type)/\(e.id)\"}"
                let response = "{\"status\":\"\(e.resource == nil ? "204" : e.version == 1 ? "201" : "200")\",\"lastModified\":\"\(Timestamps.format(e.at))\"}"
                var entry = "{\"fullUrl\":\"\(base)/\(e.type)/\(e.id)\""
                if let r = e.resource { entry += ",\"resource\":" + r.json }
                entries.append(entry + ",\"request\":\(request),\"response\":\(response)}")
            }
            // A history page always links a next one; the one after the last is empty (hapi-fhir#7711).
            more = !slice.isEmpty
        } else {
            let all = register.resources(search.type, at: search.generation).filter { r in search.since.map { r.lastUpdated >= $0 } ?? true }
            total = all.count
            let slice = Array(all.dropFirst(offset).prefix(count))
            if offset == 0 {
                entries.append(
                    "{\"fullUrl\":\"urn:uuid:00000000-0000-4000-8000-\(Digits.padded(search.generation, width: 12))\",\"resource\":{\"resourceType\":\"OperationOutcome\","
                        + "\"issue\":[{\"severity\":\"information\",\"code\":\"informational\",\"diagnostics\":\"Search results are cached\"}]},"
                        + "\"search\":{\"mode\":\"outcome\"}}")
            }
            var included = Set<String>()
            let organizations = search.include ? register.resources("Organization", at: search.generation) : []
            for r in slice {
                entries.append("{\"fullUrl\":\"\(base)/\(r.type)/\(r.id)\",\"resource\":\(r.json),\"search\":{\"mode\":\"match\"}}")
                if search.include, let org = r.managingOrganization, included.insert(org).inserted,
                    let o = organizations.first(where: { $0.id == org })
                {
                    entries.append("{\"fullUrl\":\"\(base)/Organization/\(o.id)\",\"resource\":\(o.json),\"search\":{\"mode\":\"include\"}}")
                }
            }
            // A full page links the next, even when nothing is left (hapi-fhir#5237).
            more = slice.count == count
        }
        let selfURL = OGCFeatureRoutes.base(request) + request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
        var links = "[{\"relation\":\"self\",\"url\":\(JSONString.quote(selfURL))}"
        if more {
            let next = "\(base)?_getpages=\(search.token)&_getpagesoffset=\(offset + count)&_count=\(count)&_bundletype=\(search.history ? "history" : "searchset")"
            links += ",{\"relation\":\"next\",\"url\":\(JSONString.quote(next))}"
        }
        links += "]"
        let body = "{\"resourceType\":\"Bundle\",\"type\":\"\(search.history ? "history" : "searchset")\",\"total\":\(total),"
            + "\"link\":\(links),\"entry\":[\(entries.joined(separator: ","))]}"
        return try await Responses.body(ByteBuffer(string: body), contentType: "application/fhir+json;charset=utf-8", fault: fault)
    }

    static func outcome(_ status: HTTPResponse.Status, _ code: String, _ message: String) -> Response {
        let body = "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\",\"code\":\"\(code)\",\"diagnostics\":\(JSONString.quote(message))}]}"
        var fields: HTTPFields = [:]
        fields[.contentType] = "application/fhir+json;charset=utf-8"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
