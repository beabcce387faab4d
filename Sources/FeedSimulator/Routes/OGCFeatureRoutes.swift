import Foundation
import HTTPTypes
import Hummingbird
import Normalize

/// OGC API – Features (Parts 1 and 2) as pygeoapi serves it, for the geographic base layer and the land database:
/// `GET /ogc/collections`, `/ogc/collections/{id}`, `/ogc/collections/{id}/items` and `/items/{featureId}`.
///
/// Collections: `ranh-gioi-xa` (commune-level boundaries of both eras, CRS84; the `admin_boundaries` feed, open)
/// and `thua-dat-bac-ninh` / `thua-dat-bac-giang` (parcels, stored in EPSG:9209 / EPSG:9214; the `land` feed,
/// `X-API-Key`). Items take `limit` (1–10,000, default 10), `offset`, `bbox` with `bbox-crs`, and `crs` as a URI
/// (the storage CRS, CRS84 or EPSG:4326 latitude first); the response says its CRS in `Content-Crs` and pages
/// by offset-based `next` links that keep the other parameters, with `numberMatched`. Anything else is a 400, as
/// pygeoapi answers a `crs` written `EPSG:9209`.
struct OGCFeatureRoutes {
    let simulator: FeedSimulator

    static let maxLimit = 10_000
    static let crs84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
    static let epsg4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
    static func epsg(_ code: Int) -> String { "http://www.opengis.net/def/crs/EPSG/0/\(code)" }

    func register(on router: Router<BasicRequestContext>) {
        router.get("/ogc/collections") { request, _ -> Response in
            let base = Self.base(request)
            let list = [BoundaryFeed.collection, LandFeed.bacNinh, LandFeed.bacGiang].map { collectionJSON($0, base: base) }
            return Responses.json(.ok, "{\"collections\":[\(list.joined(separator: ","))],\"links\":[]}")
        }
        router.get("/ogc/collections/:id") { request, context -> Response in
            let id = context.parameters.get("id") ?? ""
            guard Self.storage(of: id) != nil else { return Self.notFound(id) }
            return Responses.json(.ok, collectionJSON(id, base: Self.base(request)))
        }
        router.get("/ogc/collections/:id/items") { request, context -> Response in
            try await items(request, id: context.parameters.get("id") ?? "", featureID: nil)
        }
        router.get("/ogc/collections/:id/items/:fid") { request, context -> Response in
            try await items(request, id: context.parameters.get("id") ?? "", featureID: context.parameters.get("fid") ?? "")
        }
    }

    /// The storage SRID of a collection (4326 for CRS84), nil when there is no such collection.
    static func storage(of id: String) -> Int? {
        switch id {
        case BoundaryFeed.collection: 4326
        case LandFeed.bacNinh: 9209
        case LandFeed.bacGiang: 9214
        default: nil
        }
    }

    private func crsList(of id: String) -> [String] {
        guard let srid = Self.storage(of: id) else { return [] }
        return srid == 4326 ? [Self.crs84, Self.epsg4326] : [Self.crs84, Self.epsg4326, Self.epsg(srid)]
    }

    private func collectionJSON(_ id: String, base: String) -> String {
        let storageURI = Self.storage(of: id).map { $0 == 4326 ? Self.crs84 : Self.epsg($0) } ?? Self.crs84
        let title =
            switch id {
            case BoundaryFeed.collection: "Ranh giới hành chính cấp xã (trước và sau 01/7/2025)"
            case LandFeed.bacNinh: "Thửa đất — Văn phòng đăng ký đất đai (Bắc Ninh cũ), VN-2000 TM-3 105°30′"
            default: "Thửa đất — Văn phòng đăng ký đất đai (Bắc Giang cũ), VN-2000 TM-3 107°00′"
            }
        return "{\"id\":\(JSONString.quote(id)),\"title\":\(JSONString.quote(title)),\"itemType\":\"feature\","
            + "\"crs\":[\(crsList(of: id).map(JSONString.quote).joined(separator: ","))],\"storageCrs\":\(JSONString.quote(storageURI)),"
            + "\"links\":[{\"rel\":\"items\",\"type\":\"application/geo+json\",\"href\":\(JSONString.quote("\(base)/ogc/collections/\(id)/items"))}]}"
    }

    private func items(_ request: Request, id: String, featureID: String?) async throws -> Response {
        guard let storage = Self.storage(of: id) else { return Self.notFound(id) }
        let isLand = storage != 4326
        let fault = try await simulator.admit(isLand ? .land : .boundaries)
        if isLand {
            let apiKey = request.headers.first { $0.name.canonicalName == "x-api-key" }?.value
            guard apiKey == simulator.configuration.credentials.landAPIKey else {
                return Responses.error(.unauthorized, "invalid_api_key", "a valid X-API-Key header is required")
            }
        }
        if let rejection = Responses.rejection(for: fault) { return rejection }
        let query = request.uri.queryParameters
        let allowed: Set<String> = ["limit", "offset", "bbox", "bbox-crs", "crs", "f"]
        if let unknown = query.first(where: { !allowed.contains(String($0.key)) }) {
            return Self.invalid("unknown query parameter \(unknown.key)")
        }
        var limit = 10
        if let raw = query["limit"] {
            guard let value = Int(raw), value >= 1 else { return Self.invalid("limit must be a positive integer") }
            limit = min(value, Self.maxLimit)
        }
        var offset = 0
        if let raw = query["offset"] {
            guard let value = Int(raw), value >= 0 else { return Self.invalid("offset must be a non-negative integer") }
            offset = value
        }
        var output = OutputCRS(srid: 4326, latitudeFirst: false)
        if let raw = query["crs"].map(String.init) {
            guard crsList(of: id).contains(raw) else { return Self.invalid("crs \(raw) is not supported by this collection") }
            output = OutputCRS(uri: raw)
        }
        var bbox: Box? = nil
        if let raw = query["bbox"].map(String.init) {
            let numbers = raw.split(separator: ",").compactMap { Double($0) }
            guard numbers.count == 4 else { return Self.invalid("bbox must be four numbers") }
            let bboxCRS = query["bbox-crs"].map { OutputCRS(uri: String($0)) } ?? OutputCRS(srid: 4326, latitudeFirst: false)
            guard let box = bboxCRS.wgs84Box(numbers, storageZone: isLand ? (storage == 9209 ? .bacNinh : .bacGiang) : nil) else {
                return Self.invalid("bbox-crs is not supported by this collection")
            }
            bbox = box
        }
        let base = Self.base(request)
        let body: String
        if isLand {
            guard let collection = try simulator.geo().land.collection(id) else { return Self.notFound(id) }
            let parcels = collection.parcels
            if let featureID {
                guard let parcel = parcels.first(where: { $0.id == featureID }) else { return Self.notFound(featureID) }
                body = OGCRender.parcel(parcel, crs: output)
            } else {
                // Each parcel's Feature is rendered once per CRS and kept, as a server holding its layer in memory.
                let rendered = simulator.renderedFeatures.features(of: collection, crs: output)
                let matched = bbox.map { box in parcels.indices.filter { parcels[$0].box.intersects(box) } } ?? Array(parcels.indices)
                let page = matched.dropFirst(offset).prefix(limit)
                body = OGCRender.collection(
                    features: page.map { rendered[$0] }, matched: matched.count,
                    next: nextLink(base: base, id: id, query: query, offset: offset, limit: limit, matched: matched.count))
            }
        } else {
            let feed = try simulator.geo().boundaries
            let features = feed.features
            if let featureID {
                guard let feature = features.first(where: { $0.unit.id == featureID }) else { return Self.notFound(featureID) }
                body = OGCRender.boundary(feature, crs: output)
            } else {
                let rendered = simulator.renderedFeatures.boundaries(of: feed, crs: output)
                let matched = bbox.map { box in features.indices.filter { Box(features[$0].unit.ring).intersects(box) } } ?? Array(features.indices)
                let page = matched.dropFirst(offset).prefix(limit)
                body = OGCRender.collection(
                    features: page.map { rendered[$0] }, matched: matched.count,
                    next: nextLink(base: base, id: id, query: query, offset: offset, limit: limit, matched: matched.count))
            }
        }
        var headers: HTTPFields = [:]
        if let name = HTTPField.Name("Content-Crs") { headers[name] = "<\(output.uri)>" }
        return try await Responses.body(
            ByteBuffer(string: body), contentType: "application/geo+json", fault: fault, headers: headers)
    }

    /// The next page's URL (pygeoapi: the same parameters, `offset` moved on), nil after the last.
    private func nextLink(
        base: String, id: String, query: Hummingbird.Parameters, offset: Int, limit: Int, matched: Int
    ) -> String? {
        guard offset + limit < matched else { return nil }
        var parameters = query.filter { $0.key != "offset" && $0.key != "limit" }.map { (String($0.key), String($0.value)) }
        parameters.append(("offset", String(offset + limit)))
        parameters.append(("limit", String(limit)))
        let encoded = parameters.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-._~"))) ?? $0.1)" }
        return "\(base)/ogc/collections/\(id)/items?" + encoded.joined(separator: "&")
    }

    static func base(_ request: Request) -> String {
        "http://\(request.head.authority ?? "127.0.0.1")"
    }

    static func notFound(_ what: String) -> Response {
        Responses.error(.notFound, "NotFound", "no such collection or feature: \(what.prefix(80))")
    }

    static func invalid(_ message: String) -> Response {
        Responses.error(.badRequest, "InvalidParameterValue", message)
    }
}

/// The collections' GeoJSON Features (parcels, boundaries), rendered once per collection and CRS on first use, as a
/// server holding its layers in memory: a nightly walk of the boundaries rendered their 411 outlines anew each time.
final class RenderedFeatures: @unchecked Sendable {
    private let lock = NSLock()
    private var features: [String: [String]] = [:]

    /// The parcels of `collection`, in its order.
    func features(of collection: LandFeed.Collection, crs: OutputCRS) -> [String] {
        cached("\(collection.id)|\(crs.srid)|\(crs.latitudeFirst)") { collection.parcels.map { OGCRender.parcel($0, crs: crs) } }
    }

    /// The boundaries of `feed`, in its order (the layer does not change while the simulator runs).
    func boundaries(of feed: BoundaryFeed, crs: OutputCRS) -> [String] {
        cached("\(BoundaryFeed.collection)|\(crs.srid)|\(crs.latitudeFirst)") { feed.features.map { OGCRender.boundary($0, crs: crs) } }
    }

    private func cached(_ key: String, _ make: () -> [String]) -> [String] {
        if let hit = lock.withLock({ features[key] }) { return hit }
        let made = make()
        lock.withLock { features[key] = made }
        return made
    }
}

/// The CRS an OGC response is written in.
struct OutputCRS: Sendable {
    let srid: Int
    let latitudeFirst: Bool

    init(srid: Int, latitudeFirst: Bool) {
        self.srid = srid
        self.latitudeFirst = latitudeFirst
    }

    /// From a URI the collection lists (checked by the caller).
    init(uri: String) {
        if uri == OGCFeatureRoutes.crs84 {
            self.init(srid: 4326, latitudeFirst: false)
        } else {
            let code = Int(uri.split(separator: "/").last ?? "") ?? 0
            self.init(srid: code, latitudeFirst: code == 4326)
        }
    }

    var uri: String { srid == 4326 && !latitudeFirst ? OGCFeatureRoutes.crs84 : OGCFeatureRoutes.epsg(srid) }

    /// A bbox given in this CRS as a WGS 84 box; nil when the CRS is neither WGS 84 nor the storage zone.
    func wgs84Box(_ n: [Double], storageZone: VN2000Zone?) -> Box? {
        if srid == 4326 {
            return latitudeFirst ? Box(minX: n[1], minY: n[0], maxX: n[3], maxY: n[2]) : Box(minX: n[0], minY: n[1], maxX: n[2], maxY: n[3])
        }
        guard let zone = storageZone, zone.epsg == srid else { return nil }
        let corners = [XY(x: n[0], y: n[1]), XY(x: n[2], y: n[1]), XY(x: n[2], y: n[3]), XY(x: n[0], y: n[3])]
        return Box(corners.map { GridProjection.inverse($0, zone: zone) })
    }
}

/// JSON string literals.
enum JSONString {
    /// `"text"` with JSON escaping (quotes, backslashes and control characters; `/` is written as is, as pygeoapi
    /// writes it). Every property of every parcel goes through here: Foundation's `JSONSerialization` took most of
    /// the simulator's CPU of a night for the land pages.
    static func quote(_ text: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 2)
        bytes.writeJSONString(text)
        return String(decoding: bytes, as: UTF8.self)
    }
}
