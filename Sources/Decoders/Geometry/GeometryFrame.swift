/// The coordinate reference system a response's geometries are written in, as CityPipe stages them: the SRID
/// they are tagged with, and whether the CRS puts latitude (northing) first, so that staging always holds x
/// (longitude, easting) first as PostGIS expects.
///
/// OGC API – Features Part 2 says it in the `Content-Crs` response header as a URI in angle brackets:
/// `<http://www.opengis.net/def/crs/OGC/1.3/CRS84>` (longitude, latitude: SRID 4326 as PostGIS writes it),
/// `<http://www.opengis.net/def/crs/EPSG/0/4326>` (latitude first, as EPSG says), or a projected CRS such as
/// `<http://www.opengis.net/def/crs/EPSG/0/9209>` (VN-2000 / TM-3 105-30, easting first).
public struct GeometryFrame: Sendable, Hashable, CustomStringConvertible {
    /// The SRID the staged geometries carry.
    public let srid: Int
    /// The source writes latitude (or northing) before longitude (easting): axes are swapped while staging.
    public let latitudeFirst: Bool

    public init(srid: Int, latitudeFirst: Bool = false) {
        self.srid = srid
        self.latitudeFirst = latitudeFirst
    }

    /// GeoJSON's own CRS (RFC 7946): WGS 84 longitude, latitude.
    public static let crs84 = GeometryFrame(srid: 4326)

    /// Geographic EPSG CRSs whose axis order is latitude, longitude and that a feed of the province may name: WGS 84
    /// and VN-2000 geographic. The TM-3 and UTM zones are easting first.
    package static let latitudeFirstEPSG: Set<Int> = [4326, 4756, 4258, 4269, 4283, 4490]

    /// Reads a `Content-Crs` header or a `crs` URI; nil when it names no CRS CityPipe can tag geometries with.
    public init?(crsURI text: String) {
        var uri = Substring(text).trimmingCharacters(in: " \t")
        if uri.hasPrefix("<") && uri.hasSuffix(">") { uri = uri.dropFirst().dropLast() }
        let lowered = uri.lowercased()
        if lowered.hasSuffix("/ogc/1.3/crs84") || lowered == "urn:ogc:def:crs:ogc:1.3:crs84" || lowered == "crs84" {
            self = .crs84
            return
        }
        let code: Substring?
        if let range = lowered.range(of: "/epsg/") {
            // …/def/crs/EPSG/{version}/{code}
            code = uri[range.upperBound...].split(separator: "/").last
        } else if lowered.hasPrefix("urn:ogc:def:crs:epsg:") {
            code = uri.split(separator: ":").last
        } else if lowered.hasPrefix("epsg:") {
            code = uri.split(separator: ":").last
        } else {
            code = nil
        }
        guard let code, let srid = Int(code), srid > 0, srid < 1_000_000 else { return nil }
        self.init(srid: srid, latitudeFirst: Self.latitudeFirstEPSG.contains(srid))
    }

    /// The OGC URI of this frame's CRS (CRS84 for SRID 4326 longitude first).
    public var uri: String {
        if srid == 4326 && !latitudeFirst { return "http://www.opengis.net/def/crs/OGC/1.3/CRS84" }
        return "http://www.opengis.net/def/crs/EPSG/0/\(srid)"
    }

    public var description: String { uri }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: String) -> Substring {
        var s = self
        while let c = s.first, set.contains(c) { s = s.dropFirst() }
        while let c = s.last, set.contains(c) { s = s.dropLast() }
        return s
    }
}
