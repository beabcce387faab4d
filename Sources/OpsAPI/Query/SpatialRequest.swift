/// What an OGC API – Features request adds to a view request: a bounding box (in its CRS), a time (an instant or
/// an interval, either end open), and the CRS the geometries are written in.
struct SpatialRequest: Sendable {
    /// minx, miny, maxx, maxy in the order of `bboxCRS`'s axes.
    var bbox: [Double]?
    var bboxCRS: OGCCRS = .crs84
    /// `YYYY-MM-DD` or an RFC 3339 time; nil ends are open.
    var timeStart: String?
    var timeEnd: String?
    var hasTime = false
    var outputCRS: OGCCRS = .crs84
    /// The collection's geometry and time columns.
    var geometryColumn: String
    var timeColumns: [String]

    init(geometryColumn: String, timeColumns: [String]) {
        self.geometryColumn = geometryColumn
        self.timeColumns = timeColumns
    }

    /// SQL conditions over the table (alias `t`): the box intersects the geometry; the record's time (an instant,
    /// or a validity from … to, an open end null) meets the asked time.
    func conditions(parameters: inout SQLParameters) -> [String] {
        var conditions: [String] = []
        let geometry = "t.\(SQLText.identifier(geometryColumn))"
        if let bbox, bbox.count == 4 {
            let (x0, y0, x1, y1) = bboxCRS.flipsAxes ? (bbox[1], bbox[0], bbox[3], bbox[2]) : (bbox[0], bbox[1], bbox[2], bbox[3])
            let envelope = "ST_MakeEnvelope(\(parameters.add(x0))::float8, \(parameters.add(y0))::float8, \(parameters.add(x1))::float8, \(parameters.add(y1))::float8, \(bboxCRS.srid))"
            conditions.append("ST_Intersects(\(geometry), ST_Transform(\(envelope), ST_SRID(\(geometry))))")
        }
        if hasTime, let first = timeColumns.first {
            let start = "t.\(SQLText.identifier(first))"
            let end = timeColumns.count > 1 ? "t.\(SQLText.identifier(timeColumns[1]))" : start
            if let timeStart {
                // The record is still in force at or after the start (an open end never ends).
                let bound = parameters.add(timeStart)
                conditions.append(timeColumns.count > 1
                    ? "(\(end) IS NULL OR \(end)::timestamptz > \(bound)::timestamptz)"
                    : "\(start)::timestamptz >= \(bound)::timestamptz")
            }
            if let timeEnd {
                // The record was in force at or before the end (an open start, null, always was).
                let bound = parameters.add(timeEnd)
                conditions.append(timeColumns.count > 1
                    ? "(\(start) IS NULL OR \(start)::timestamptz <= \(bound)::timestamptz)"
                    : "\(start)::timestamptz <= \(bound)::timestamptz")
            }
        }
        return conditions
    }

    /// A geometry column's value in the output CRS, as GeoJSON.
    func geoJSON(_ expression: String) -> String {
        var value = expression
        if outputCRS.srid != 4326 { value = "ST_Transform(\(value), \(outputCRS.srid))" }
        if outputCRS.flipsAxes { value = "ST_FlipCoordinates(\(value))" }
        // Options 0: no "crs" member (RFC 7946 has none; the CRS is in the Content-Crs header).
        return "ST_AsGeoJSON(\(value), \(outputCRS.decimals), 0)"
    }
}

/// The coordinate reference systems the OGC API serves (Part 2): CRS84 (longitude, latitude: the default),
/// EPSG:4326 (latitude first, as that CRS says), and VN-2000 / TM-3 in the two zones the merged province spans.
enum OGCCRS: String, Sendable, CaseIterable {
    case crs84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
    case epsg4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
    /// VN-2000 / TM-3 105-30 (old Bắc Ninh).
    case epsg9209 = "http://www.opengis.net/def/crs/EPSG/0/9209"
    /// VN-2000 / TM-3 107-00 (old Bắc Giang).
    case epsg9214 = "http://www.opengis.net/def/crs/EPSG/0/9214"

    var srid: Int {
        switch self {
        case .crs84, .epsg4326: return 4326
        case .epsg9209: return 9209
        case .epsg9214: return 9214
        }
    }

    var flipsAxes: Bool { self == .epsg4326 }

    /// Digits after the point: 1e-9° (0.1 mm) or 0.1 mm in metres.
    var decimals: Int { srid == 4326 ? 9 : 4 }

    /// Parses a CRS URI (or its `[EPSG:9209]` safe-CURIE form).
    static func parse(_ text: String, parameter: String) throws(APIError) -> OGCCRS {
        if let crs = OGCCRS(rawValue: text) { return crs }
        if let crs = OGCCRS.allCases.first(where: { $0.curie == text }) { return crs }
        throw .badRequest("bad_crs", "\(parameter): not a CRS this API serves (\(OGCCRS.allCases.map(\.rawValue).joined(separator: ", ")))")
    }

    var curie: String {
        switch self {
        case .crs84: return "[OGC:CRS84]"
        case .epsg4326: return "[EPSG:4326]"
        case .epsg9209: return "[EPSG:9209]"
        case .epsg9214: return "[EPSG:9214]"
        }
    }
}
