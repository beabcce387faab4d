import Foundation
import XCTest

@testable import Normalize

final class VN2000Tests: XCTestCase {
    /// EPSG code, easting, northing → PROJ 9.x `cs2cs -f %.9f EPSG:<zone> EPSG:4326` latitude, longitude.
    static let proj: [(Int, Double, Double, Double, Double)] = [
        (9209, 547810.802, 2323128.872, 21.000959641, 105.961780429),
        (9209, 565801.396, 2320462.834, 20.976321467, 106.134725215),
        (9209, 559473.51, 2330433.423, 21.066596620, 106.074214202),
        (9209, 533189.941, 2335252.815, 21.110795896, 105.821377855),
        (9209, 532062.261, 2332743.953, 21.088154236, 105.810475578),
        (9209, 533842.048, 2321084.242, 20.982802293, 105.827375202),
        (9209, 553348.555, 2346112.972, 21.208410661, 106.015763787),
        (9209, 536809.108, 2325590.125, 21.023445794, 105.856008463),
        (9209, 564508.827, 2350222.104, 21.245162650, 106.123416238),
        (9209, 561740.662, 2331487.136, 21.076039009, 106.096068695),
        (9214, 516675.715, 2333260.788, 21.093012335, 107.162385450),
        (9214, 500185.584, 2350272.65, 21.246754601, 107.003670359),
        (9214, 400195.712, 2338245.457, 21.135400580, 106.041015673),
        (9214, 423187.455, 2387128.845, 21.578016000, 106.260139270),
        (9214, 405301.693, 2370712.011, 21.428894213, 106.088363470),
        (9214, 469447.886, 2356067.828, 21.298846330, 106.707409305),
        (9214, 456684.225, 2334395.228, 21.102829368, 106.584937322),
        (9214, 388344.164, 2344417.11, 21.190453564, 105.926527422),
        (9214, 475255.996, 2359931.461, 21.333832814, 106.763333893),
        (9214, 423980.604, 2370989.33, 21.432282750, 106.268527318),
    ]

    static func metres(_ a: GeoPoint, lat: Double, lon: Double) -> Double {
        let dy = (a.latitude - lat) * 110_574
        let dx = (a.longitude - lon) * 111_320 * cos(lat * .pi / 180)
        return (dx * dx + dy * dy).squareRoot()
    }

    func testAgreesWithPROJ() {
        var worst = 0.0
        for (epsg, e, n, lat, lon) in VN2000Tests.proj {
            let zone = epsg == 9209 ? VN2000Zone.bacNinh : VN2000Zone.bacGiang
            let p = VN2000.toWGS84(easting: e, northing: n, zone: zone)
            let d = VN2000Tests.metres(p, lat: lat, lon: lon)
            worst = max(worst, d)
            XCTAssertLessThan(d, 0.1, "EPSG:\(epsg) \(e) \(n)")
        }
        XCTAssertLessThan(worst, 0.01, "worst \(worst) m")
    }

    func testTextForms() throws {
        // 40 text forms: each PROJ point as "E N EPSG" and as "N, E, central meridian".
        var count = 0
        for (epsg, e, n, lat, lon) in VN2000Tests.proj {
            let meridian = epsg == 9209 ? "105°30'" : "107"
            for text in ["\(e) \(n) \(epsg)", "\(n), \(e), \(meridian)"] {
                let wkt = try normalize(text, as: .vn2000Point).get().value
                let numbers = wkt.dropFirst(6).dropLast().split(separator: " ").compactMap { Double($0) }
                XCTAssertEqual(numbers.count, 2)
                let p = GeoPoint(longitude: numbers[0], latitude: numbers[1])
                XCTAssertLessThan(VN2000Tests.metres(p, lat: lat, lon: lon), 0.1, text)
                count += 1
            }
        }
        XCTAssertEqual(count, 40)
        let withContext = try normalize(
            "553348.555 2346112.972", as: .vn2000Point, context: NormalizationContext(vn2000Zone: .bacNinh)).get()
        XCTAssertTrue(withContext.value.hasPrefix("POINT(106.01576"))
    }

    func testFailures() {
        runTable(.vn2000Point, [
            .fail("", .empty),
            .fail("553348.555 2346112.972", .needsContext),
            .fail("553348.555", .invalidFormat),
            .fail("553348.555 abc 9209", .invalidFormat),
            .fail("553348.555 2346112.972 9999", .invalidFormat),
            .fail("21.2084 106.0157 9209", .outOfRange),
            .fail("5533480 2346112 9209", .outOfRange),
        ], minimum: 7)
    }
}
