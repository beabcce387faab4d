import Foundation
import Normalize

/// VN-2000 TM-3 grid coordinates from WGS 84, for placing simulated parcels: Normalize's grid → WGS 84 conversion
/// (inverse Transverse Mercator and the EPSG:6960 Helmert) inverted by fixed-point iteration, to well under a
/// millimetre. The simulator works in grid millimetres, as cadastral data is written; the truth a test compares
/// with comes from pyproj, not from here.
enum GridProjection {
    /// Grid metres (easting, northing) of a WGS 84 point in `zone`.
    static func forward(_ p: XY, zone: VN2000Zone) -> XY {
        let metresPerDegreeLat = 110_700.0
        let metresPerDegreeLon = 111_320.0 * cos(p.y * .pi / 180) * 0.9999
        var e = 500_000 + (p.x - zone.centralMeridian) * metresPerDegreeLon
        var n = p.y * metresPerDegreeLat
        for _ in 0..<12 {
            let back = VN2000.toWGS84(easting: e, northing: n, zone: zone)
            let dx = p.x - back.longitude
            let dy = p.y - back.latitude
            e += dx * metresPerDegreeLon
            n += dy * metresPerDegreeLat
            if abs(dx) < 1e-12 && abs(dy) < 1e-12 { break }
        }
        return XY(x: e, y: n)
    }

    /// WGS 84 longitude, latitude of grid metres in `zone`.
    static func inverse(_ grid: XY, zone: VN2000Zone) -> XY {
        let p = VN2000.toWGS84(easting: grid.x, northing: grid.y, zone: zone)
        return XY(x: p.longitude, y: p.latitude)
    }
}
