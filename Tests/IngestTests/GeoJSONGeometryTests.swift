import Foundation
import XCTest

@testable import Ingest
@testable import Decoders

/// GeoJSON geometries to the EWKT staged in PostGIS: what real sources send (pygeoapi, GDAL, QGIS exports,
/// hand-made files), in each frame, and what PostGIS would refuse at COPY time rejected with the reason.
final class GeoJSONGeometryTests: XCTestCase {
    let vn2000 = GeometryFrame(srid: 9209)

    func testGeometriesBecomeExtendedWKTWithTheirSourceDigits() throws {
        let cases: [(String, String, GeometryFrame, String)] = [
            ("pygeoapi parcel in EPSG:9209", #"{"type":"Polygon","coordinates":[[[559642.292,2343664.579],[559662.292,2343664.579],[559662.292,2343694.579],[559642.292,2343664.579]]]}"#,
             vn2000, "SRID=9209;POLYGON((559642.292 2343664.579,559662.292 2343664.579,559662.292 2343694.579,559642.292 2343664.579))"),
            ("point, CRS84", #"{"type":"Point","coordinates":[106.0763,21.1861]}"#, .crs84, "SRID=4326;POINT(106.0763 21.1861)"),
            ("EPSG:4326 is latitude first: swapped", #"{"type":"Point","coordinates":[21.1861,106.0763]}"#,
             GeometryFrame(srid: 4326, latitudeFirst: true), "SRID=4326;POINT(106.0763 21.1861)"),
            ("height dropped, exponents kept", #"{"type":"Point","coordinates":[1.06e2,2.1E+1,15.5]}"#, .crs84, "SRID=4326;POINT(1.06e2 2.1E+1)"),
            ("coordinates before type, bbox and crs members skipped",
             #"{ "coordinates" : [ [106.1, 21.2], [106.2, 21.3] ], "bbox": [106.1,21.2,106.2,21.3], "crs": {"type":"name","properties":{"name":"x"}}, "type" : "LineString" }"#,
             .crs84, "SRID=4326;LINESTRING(106.1 21.2,106.2 21.3)"),
            ("polygon with a hole",
             #"{"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[0,10],[0,0]],[[2,2],[4,2],[4,4],[2,2]]]}"#,
             .crs84, "SRID=4326;POLYGON((0 0,10 0,10 10,0 10,0 0),(2 2,4 2,4 4,2 2))"),
            ("multipolygon (a ward with an island)",
             #"{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[5,5],[6,5],[6,6],[5,5]]]]}"#,
             .crs84, "SRID=4326;MULTIPOLYGON(((0 0,1 0,1 1,0 0)),((5 5,6 5,6 6,5 5)))"),
            ("multipoint and multilinestring in a collection",
             #"{"type":"GeometryCollection","geometries":[{"type":"MultiPoint","coordinates":[[1,2],[3,4]]},{"type":"MultiLineString","coordinates":[[[0,0],[1,1]]]}]}"#,
             .crs84, "SRID=4326;GEOMETRYCOLLECTION(MULTIPOINT((1 2),(3 4)),MULTILINESTRING((0 0,1 1)))"),
            ("empty coordinates", #"{"type":"Polygon","coordinates":[]}"#, .crs84, "SRID=4326;POLYGON EMPTY"),
            ("negative and zero", #"{"type":"Point","coordinates":[-0.0,0]}"#, .crs84, "SRID=4326;POINT(-0.0 0)"),
        ]
        for (name, json, frame, expected) in cases {
            XCTAssertEqual(try GeoJSONGeometry.ewkt(json, frame: frame), expected, name)
        }
    }

    func testWhatPostGISWouldRefuseIsRejectedWithTheReason() {
        let cases: [(String, String, String)] = [
            ("ring not closed (a hand-edited export)", #"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}"#, "a ring that is not closed"),
            ("ring of three positions", #"{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}"#, "a ring with fewer than 4 positions"),
            ("line of one position", #"{"type":"LineString","coordinates":[[0,0]]}"#, "a line with fewer than 2 positions"),
            ("position of one number", #"{"type":"Point","coordinates":[106.1]}"#, "a position that is not an array of 2 or 3 numbers"),
            ("coordinates as strings", #"{"type":"Point","coordinates":["106.1","21.2"]}"#, "a coordinate that is not a number"),
            ("unknown type", #"{"type":"Circle","coordinates":[0,0]}"#, "unknown geometry type 'Circle'"),
            ("no type", #"{"coordinates":[0,0]}"#, "geometry without 'type'"),
            ("no coordinates", #"{"type":"Point"}"#, "Point without 'coordinates'"),
            ("collection without members", #"{"type":"GeometryCollection"}"#, "GeometryCollection without 'geometries'"),
            ("a Feature where a geometry belongs", #"{"type":"Feature","geometry":{"type":"Point","coordinates":[0,0]}}"#, "unknown geometry type 'Feature'"),
            ("bytes after the object", #"{"type":"Point","coordinates":[0,0]} x"#, "bytes after the geometry object"),
            ("NaN written by a buggy exporter", #"{"type":"Point","coordinates":[NaN,0]}"#, "a coordinate that is not a number"),
        ]
        for (name, json, reason) in cases {
            XCTAssertThrowsError(try GeoJSONGeometry.ewkt(json, frame: .crs84), name) { error in
                XCTAssertEqual((error as? GeoJSONGeometry.Invalid)?.reason, reason, name)
            }
        }
    }

    func testContentCrsHeadersNameTheFrame() {
        let cases: [(String, GeometryFrame?)] = [
            ("<http://www.opengis.net/def/crs/OGC/1.3/CRS84>", .crs84),
            ("<http://www.opengis.net/def/crs/EPSG/0/4326>", GeometryFrame(srid: 4326, latitudeFirst: true)),
            ("<http://www.opengis.net/def/crs/EPSG/0/9209>", GeometryFrame(srid: 9209)),
            ("http://www.opengis.net/def/crs/EPSG/9.9.1/9214", GeometryFrame(srid: 9214)),
            ("urn:ogc:def:crs:EPSG::4756", GeometryFrame(srid: 4756, latitudeFirst: true)),
            ("EPSG:3405", GeometryFrame(srid: 3405)),
            ("<http://www.opengis.net/def/crs/OGC/0/unknown>", nil),
            ("", nil),
        ]
        for (header, frame) in cases {
            XCTAssertEqual(GeometryFrame(crsURI: header), frame, header)
        }
        XCTAssertEqual(GeometryFrame(srid: 9214).uri, "http://www.opengis.net/def/crs/EPSG/0/9214")
        XCTAssertEqual(GeometryFrame.crs84.uri, "http://www.opengis.net/def/crs/OGC/1.3/CRS84")
    }

    /// A geometry field of a record: typed into EWKT in the page's frame, or the record rejected naming the field.
    func testTheTyperStagesOrRejectsAGeometryField() {
        let typer = RecordTyper(
            feed: "land", bindings: [FieldBinding(name: "parcel_id", sourcePath: "id", sqlType: "text", required: true),
                                     FieldBinding(name: "geom", sourcePath: "geometry", sqlType: "geometry")],
            primaryKey: ["parcel_id"])
        let good = typer.type(
            position: 1, values: ["p1", #"{"type":"Point","coordinates":[559642.2924,2343664.5786]}"#], extra: [],
            frame: GeometryFrame(srid: 9209), raw: { "" })
        XCTAssertEqual(good, .staged(StagedRecord(position: 1, values: ["p1", "SRID=9209;POINT(559642.2924 2343664.5786)"], extra: nil)))
        let bad = typer.type(position: 2, values: ["p2", "POINT(1 2)"], extra: [], frame: nil, raw: { "raw" })
        guard case .rejected(let reject) = bad else { return XCTFail("not rejected") }
        XCTAssertEqual(reject.field, "geom")
        XCTAssertEqual(reject.reason, "not a GeoJSON geometry object")
    }

    /// `{name}` slots of the request URL take the partition's values (an OGC collection); the others are query.
    func testPartitionValuesFillTheURLSlots() {
        XCTAssertEqual(
            PagePlanner.address(
                "http://127.0.0.1:9/ogc/collections/{collection}/items",
                [("collection", "thua-dat-bac-ninh"), ("crs", "http://www.opengis.net/def/crs/EPSG/0/9209"), ("limit", "1000")]),
            "http://127.0.0.1:9/ogc/collections/thua-dat-bac-ninh/items?crs=http%3A%2F%2Fwww.opengis.net%2Fdef%2Fcrs%2FEPSG%2F0%2F9209&limit=1000")
        XCTAssertEqual(PagePlanner.address("http://h/c/{x}/items", [("x", "a b/c")]), "http://h/c/a%20b%2Fc/items")
    }

    /// `links[rel=next].href`: the JSON path step picks the first element whose member has the value.
    func testJSONPathMatchStep() throws {
        let path = try XCTUnwrap(JSONPath("links[rel=next].href"))
        let page: [String: Any] = ["links": [["rel": "self", "href": "s"], ["rel": "next", "href": "n"], ["rel": "next", "href": "later"]]]
        XCTAssertEqual(path.resolve(in: page) as? String, "n")
        XCTAssertNil(path.resolve(in: ["links": [["rel": "prev", "href": "p"]]]))
        XCTAssertNil(JSONPath("links[=next]"))
    }
}
