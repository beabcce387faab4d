import Foundation
import HTTPTypes
import Hummingbird
import Postgres

/// OGC API – Tiles over the collections: Mapbox Vector Tiles made by PostGIS (`ST_AsMVT`) in WebMercatorQuad,
/// `/ogc/collections/{id}/tiles/WebMercatorQuad/{z}/{y}/{x}` (row before column, as the standard says), with the
/// tileset's metadata. A tile of a collection without personal data is the same for everyone until the next
/// build: it carries an ETag of the build and may be cached.
struct OGCTiles: Sendable {
    let service: OpsService
    let routes: OGCRoutes

    static let tileMatrixSet = "WebMercatorQuad"
    static let tileMatrixSetURI = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
    static let mediaType = "application/vnd.mapbox-vector-tile"
    /// Tile extent and buffer in tile units, as pg_tileserv and tipg use them.
    static let extent = 4096
    static let buffer = 256
    static let maximumZoom = 22

    func tilesets(id: String, request: Request, context: OpsRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        try OGCRoutes.only(request, ["f"])
        let view = try await routes.collectionView(id, role: caller.role)
        let base = OGCRoutes.base(request)
        var body = JSONOutput()
        body.object { o in
            o.key("tilesets")
            o.array { list in OGCTiles.tileset(view: view, id: id, base: base, into: &list) }
            o.key("links")
            o.array { links in OGCRoutes.link(&links, "\(base)/ogc/collections/\(id)/tiles", rel: "self", type: "application/json", title: nil) }
        }
        return OGCRoutes.json(body, request: request, title: "Tilesets: \(id)")
    }

    func tileset(id: String, matrixSet: String, request: Request, context: OpsRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        try OGCRoutes.only(request, ["f"])
        guard matrixSet == OGCTiles.tileMatrixSet else {
            throw APIError.notFound("tile matrix set \(matrixSet.prefix(40)): only WebMercatorQuad is served")
        }
        let view = try await routes.collectionView(id, role: caller.role)
        var body = JSONOutput()
        OGCTiles.tileset(view: view, id: id, base: OGCRoutes.base(request), into: &body)
        return OGCRoutes.json(body, request: request, title: "Tileset: \(id)")
    }

    func tile(id: String, matrixSet: String, z: String, y: String, x: String, request: Request, context: OpsRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        try StatusRoutes.noParameters(request, except: [])
        guard matrixSet == OGCTiles.tileMatrixSet else {
            throw APIError.notFound("tile matrix set \(matrixSet.prefix(40)): only WebMercatorQuad is served")
        }
        guard let zoom = Int(z), (0...OGCTiles.maximumZoom).contains(zoom), let row = Int(y), let column = Int(x),
              row >= 0, column >= 0, row < 1 << zoom, column < 1 << zoom
        else {
            throw APIError.badRequest("bad_tile", "a tile is {tileMatrix}/{tileRow}/{tileCol}: zoom 0 to \(OGCTiles.maximumZoom), row and column 0 to 2^zoom - 1")
        }
        let view = try await routes.collectionView(id, role: caller.role)
        guard let collection = view.collection else { throw APIError.notFound("no collection \(id)") }
        var headers = HTTPFields()
        headers[.contentType] = OGCTiles.mediaType
        if let build = view.build {
            headers[.eTag] = "W/\"m\(build.modelRunID)-\(caller.role.rawValue)-\(zoom)-\(row)-\(column)\""
            headers[HTTPField.Name("X-CityPipe-As-Of")!] = ViewPager.iso8601(build.finishedAt)
            headers[HTTPField.Name("X-CityPipe-Run")!] = String(build.runID)
        }
        // Personal layers are never cached; the others are valid until the next build (revalidate with the ETag).
        headers[.cacheControl] = view.isPersonal ? "private, no-store" : "public, max-age=300, must-revalidate"
        headers[.vary] = "Authorization"
        if let tag = headers[.eTag], request.headers[.ifNoneMatch].map({ ViewPager.matches($0, tag) }) == true {
            return Response(status: .notModified, headers: headers)
        }
        // Below the layer's lowest zoom a tile is empty (a valid MVT of no layer), without asking PostgreSQL.
        if zoom < collection.minZoom {
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer()))
        }
        // Tiles of layers without personal data are kept in memory until the layer is rebuilt.
        let cacheKey = !view.isPersonal ? view.build.map {
            ResponseCache.key(build: $0.modelRunID, role: caller.role, format: "mvt", path: request.uri.path, query: nil)
        } : nil
        if let cacheKey, let cached = service.cache.response(cacheKey) { return cached }
        var parameters = SQLParameters()
        let shaped = RoleShaping(role: caller.role).columns(of: view, pseudonymKey: service.configuration.keys.pseudonym, parameters: &parameters)
        let properties = shaped.filter(OGCRoutes.isQueryable)
        let geometry = "t.\(SQLText.identifier(collection.geometry))"
        let z = parameters.add(zoom), tx = parameters.add(column), ty = parameters.add(row)
        let envelope = "ST_TileEnvelope(\(z)::int, \(tx)::int, \(ty)::int)"
        let margin = Double(OGCTiles.buffer) / Double(OGCTiles.extent)
        let idExpression = view.uniqueKey.isEmpty ? "NULL::text"
            : view.uniqueKey.map { "t.\(SQLText.identifier($0))::text" }.joined(separator: " || '@' || ")
        let columns = (["ST_AsMVTGeom(ST_Transform(\(geometry), 3857), \(envelope), \(OGCTiles.extent), \(OGCTiles.buffer), true) AS mvt_geom",
                        "\(idExpression) AS mvt_id"]
            + properties.map { "(\($0.expression)) AS \(SQLText.identifier($0.name))" }).joined(separator: ", ")
        let layer = parameters.add(id)
        let sql = """
            SELECT encode(ST_AsMVT(tile, \(layer)::text, \(OGCTiles.extent), 'mvt_geom'), 'hex') AS mvt FROM (
              SELECT \(columns) FROM \(view.quotedTable) AS t
              WHERE \(geometry) && ST_Transform(ST_TileEnvelope(\(z)::int, \(tx)::int, \(ty)::int, margin => \(margin)), ST_SRID(\(geometry)))
              OFFSET 0  -- keeps the subquery apart, so that ST_AsMVTGeom runs once per row, not again for the filter
            ) AS tile WHERE tile.mvt_geom IS NOT NULL
            """
        let values = parameters.values
        let hex: String?
        do {
            hex = try await service.reader.withConnection { connection in
                try connection.query(sql, values, name: "tile").first?.decode(String?.self, "mvt")
            }
        } catch {
            throw APIError.from(error, doing: "making tile \(zoom)/\(row)/\(column) of \(id)")
        }
        let bytes = OGCTiles.bytes(hex: hex ?? "")
        if let cacheKey { service.cache.store(cacheKey, status: .ok, headers: headers, body: bytes) }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func tileset(view: ViewDescriptor, id: String, base: String, into body: inout JSONOutput) {
        body.object { t in
            t.field("title", "\(id) (\(tileMatrixSet))")
            t.field("dataType", "vector")
            t.field("crs", "http://www.opengis.net/def/crs/EPSG/0/3857")
            t.field("tileMatrixSetURI", tileMatrixSetURI)
            t.key("layers")
            t.array { layers in
                layers.object { l in
                    l.field("id", id)
                    l.field("dataType", "vector")
                    l.field("minTileMatrix", String(view.collection?.minZoom ?? 0))
                    l.field("maxTileMatrix", String(maximumZoom))
                }
            }
            t.key("links")
            t.array { links in
                let path = "\(base)/ogc/collections/\(id)/tiles/\(tileMatrixSet)"
                OGCRoutes.link(&links, path, rel: "self", type: "application/json", title: nil)
                OGCRoutes.link(&links, tileMatrixSetURI, rel: "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme", type: "application/json", title: nil)
                links.object { l in
                    l.field("href", "\(path)/{tileMatrix}/{tileRow}/{tileCol}")
                    l.field("rel", "item")
                    l.field("type", mediaType)
                    l.field("templated", true)
                }
            }
        }
    }

    /// `hex` → bytes (PostgreSQL's `encode(…, 'hex')`).
    static func bytes(hex: String) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(hex.utf8.count / 2)
        var high: UInt8? = nil
        for character in hex.utf8 {
            let value: UInt8
            switch character {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = character - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = character - UInt8(ascii: "a") + 10
            default: continue
            }
            if let h = high {
                result.append(h << 4 | value)
                high = nil
            } else {
                high = value
            }
        }
        return result
    }
}
