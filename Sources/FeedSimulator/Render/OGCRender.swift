import Foundation

/// GeoJSON of the simulated OGC API – Features collections, as pygeoapi writes it.
enum OGCRender {
    static func collection(features: [String], matched: Int, next: String?) -> String {
        var links: [String] = []
        if let next {
            links.append("{\"rel\":\"next\",\"type\":\"application/geo+json\",\"title\":\"items (next)\",\"href\":\(JSONString.quote(next))}")
        }
        var out = "{\"type\":\"FeatureCollection\",\"features\":["
        out.reserveCapacity(features.reduce(0) { $0 + $1.utf8.count } + 256)
        for (k, feature) in features.enumerated() {
            if k > 0 { out += "," }
            out += feature
        }
        out += "],\"numberMatched\":\(matched),\"numberReturned\":\(features.count),"
        out += "\"timeStamp\":\"2025-12-01T00:00:00Z\",\"links\":[\(links.joined(separator: ","))]}"
        return out
    }

    /// A parcel in the storage zone (grid metres to the millimetre) or in WGS 84.
    static func parcel(_ parcel: Parcel, crs: OutputCRS) -> String {
        var ring = parcel.corners
        if parcel.fault == .selfIntersection { ring.swapAt(1, 2) }
        ring.append(ring[0])
        var coordinates = "[["
        for (k, corner) in ring.enumerated() {
            if k > 0 { coordinates += "," }
            if crs.srid == parcel.zone.epsg {
                coordinates += "[\(millimetres(corner.0)),\(millimetres(corner.1))]"
            } else {
                let p = GridProjection.inverse(XY(x: Double(corner.0) / 1000, y: Double(corner.1) / 1000), zone: parcel.zone)
                coordinates += crs.latitudeFirst ? "[\(degrees(p.y)),\(degrees(p.x))]" : "[\(degrees(p.x)),\(degrees(p.y))]"
            }
        }
        coordinates += "]]"
        return "{\"type\":\"Feature\",\"id\":\(JSONString.quote(parcel.id)),\"geometry\":{\"type\":\"Polygon\",\"coordinates\":\(coordinates)},"
            + "\"properties\":{\"ma_thua\":\(JSONString.quote(parcel.id)),\"so_to\":\(parcel.sheet),\"so_thua\":\(parcel.number),"
            + "\"ma_xa\":\(JSONString.quote(parcel.declaredWard)),\"dien_tich\":\(parcel.declaredArea),"
            + "\"loai_dat\":\(JSONString.quote(parcel.landUse)),"
            + "\"so_cccd_chu\":\(parcel.holderID.map(JSONString.quote) ?? "null"),"
            + "\"ngay_cap_nhat\":\(JSONString.quote(parcel.updatedAt))}}"
    }

    /// A commune-level unit's boundary in CRS84 (or EPSG:4326, latitude first).
    static func boundary(_ feature: BoundaryFeature, crs: OutputCRS) -> String {
        let polygons = BoundaryFeed.polygons(of: feature)
        func ring(_ points: [XY]) -> String {
            "[" + points.map { crs.latitudeFirst ? "[\(degrees($0.y)),\(degrees($0.x))]" : "[\(degrees($0.x)),\(degrees($0.y))]" }
                .joined(separator: ",") + "]"
        }
        let geometry =
            polygons.count == 1
            ? "{\"type\":\"Polygon\",\"coordinates\":[\(ring(polygons[0]))]}"
            : "{\"type\":\"MultiPolygon\",\"coordinates\":[\(polygons.map { "[\(ring($0))]" }.joined(separator: ","))]}"
        let unit = feature.unit
        return "{\"type\":\"Feature\",\"id\":\(JSONString.quote(unit.id)),\"geometry\":\(geometry),"
            + "\"properties\":{\"ma_dvhc\":\(JSONString.quote(unit.code)),\"ten\":\(JSONString.quote(unit.name)),"
            + "\"loai\":\(JSONString.quote(unit.type)),\"ma_tinh\":\(JSONString.quote(unit.provinceCode)),"
            + "\"hieu_luc_tu\":\(unit.validFrom.map(JSONString.quote) ?? "null"),"
            + "\"hieu_luc_den\":\(unit.validTo.map(JSONString.quote) ?? "null")}}"
    }

    /// `559642.292` from 559642292 mm.
    static func millimetres(_ value: Int64) -> String {
        let sign = value < 0 ? "-" : ""
        let magnitude = value.magnitude
        let fraction = String(magnitude % 1000)
        return "\(sign)\(magnitude / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
    }

    /// Degrees to 9 decimals (about 0.1 mm), as the source writes them.
    static func degrees(_ value: Double) -> String { String(format: "%.9f", value) }
}
