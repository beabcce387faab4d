import Foundation

/// A VN-2000 3° Transverse Mercator zone (scale 0.9999, false easting 500 000 m, WGS 84 ellipsoid).
public struct VN2000Zone: Sendable, Hashable {
    /// Central meridian in degrees east.
    public let centralMeridian: Double
    /// The EPSG code of the projected CRS, when the zone is one CityPipe names.
    public let epsg: Int?

    /// Old Bắc Ninh province: central meridian 105°30′ (EPSG:9209, "VN-2000 / TM-3 105-30").
    public static let bacNinh = VN2000Zone(centralMeridian: 105.5, epsg: 9209)
    /// Old Bắc Giang province: central meridian 107°00′ (EPSG:9214, "VN-2000 / TM-3 107-00").
    public static let bacGiang = VN2000Zone(centralMeridian: 107.0, epsg: 9214)

    /// A zone by its central meridian (any TM-3 zone of the provincial VN-2000 list, 102°–109°).
    public init(centralMeridian: Double, epsg: Int? = nil) {
        self.centralMeridian = centralMeridian
        self.epsg = epsg
    }

    /// Reads "9209", "EPSG:9209", "105.5", "105°30′", "105-30", "105d30", "107", "9214"…
    public init?(parsing text: String) {
        var t = text.trimmingCharacters(in: .whitespaces).uppercased()
        if t.hasPrefix("EPSG:") { t.removeFirst(5) }
        switch t {
        case "9209": self = .bacNinh; return
        case "9214": self = .bacGiang; return
        default: break
        }
        var parts: [Double] = []
        var current = ""
        for ch in t {
            if ch.isNumber || ch == "." { current.append(ch) } else if !current.isEmpty {
                if let v = Double(current) { parts.append(v) }
                current = ""
            }
        }
        if !current.isEmpty, let v = Double(current) { parts.append(v) }
        guard let deg = parts.first else { return nil }
        let meridian = deg + (parts.count > 1 ? parts[1] / 60 : 0)
        guard (102...110).contains(meridian) else { return nil }
        if meridian == 105.5 { self = .bacNinh; return }
        if meridian == 107 { self = .bacGiang; return }
        self.init(centralMeridian: meridian)
    }
}

/// A WGS 84 position.
public struct GeoPoint: Sendable, Hashable {
    /// Degrees east.
    public let longitude: Double
    /// Degrees north.
    public let latitude: Double

    /// `POINT(lon lat)` with 8 decimals (about 1 mm), ready for PostGIS `ST_GeomFromText(…, 4326)`.
    public var wkt: String {
        "POINT(" + String(format: "%.8f", longitude) + " " + String(format: "%.8f", latitude) + ")"
    }
}

/// `vn2000_point`: VN-2000 TM-3 grid coordinates → WGS 84 longitude/latitude.
///
/// Inverse Transverse Mercator on the WGS 84 ellipsoid (Krüger series to n⁶, Karney 2011; sub-millimetre), then the
/// EPSG:6960 "VN-2000 to WGS 84 (2)" seven-parameter Helmert transformation, coordinate-frame rotation convention
/// (EPSG method 9607): tx −191.90441429 m, ty −39.30318279 m, tz −111.45032835 m, rx −0.00928836″,
/// ry +0.01975479″, rz −0.00427372″, scale +0.252906278 ppm — the parameters and convention PROJ uses
/// (`projinfo -s EPSG:9209 -t EPSG:4326`), applied at ellipsoidal height 0, height discarded. Agrees with PROJ
/// `cs2cs EPSG:9209 EPSG:4326` to well under 0.1 m (tests hold 20 PROJ points).
///
/// Text form: two numbers and a zone, separated by spaces, commas or semicolons, e.g. `"553348.555 2346112.972
/// 9209"`. The order of easting and northing does not matter (Vietnamese surveyors write X = northing first): in
/// Vietnam northings are 900 000–2 600 000 m and TM-3 eastings 100 000–900 000 m, so the larger is the northing.
/// The zone (EPSG code or central meridian) may instead come from the context.
public enum VN2000 {
    static let a = 6_378_137.0
    static let f = 1 / 298.257_223_563
    static let k0 = 0.9999
    static let falseEasting = 500_000.0

    /// The EPSG:6960 parameters (metres, arc-seconds, ppm).
    static let helmert = (
        tx: -191.904_414_29, ty: -39.303_182_79, tz: -111.450_328_35,
        rx: -0.009_288_36, ry: 0.019_754_79, rz: -0.004_273_72, ds: 0.252_906_278
    )

    private static let n = f / (2 - f)
    private static let bigA: Double = {
        let n2 = n * n
        return a / (1 + n) * (1 + n2 / 4 + n2 * n2 / 64 + n2 * n2 * n2 / 256)
    }()
    private static let beta: [Double] = {
        let n2 = n * n, n3 = n2 * n, n4 = n3 * n, n5 = n4 * n, n6 = n5 * n
        return [
            n / 2 - 2 * n2 / 3 + 37 * n3 / 96 - n4 / 360 - 81 * n5 / 512 + 96199 * n6 / 604_800,
            n2 / 48 + n3 / 15 - 437 * n4 / 1440 + 46 * n5 / 105 - 1_118_711 * n6 / 3_870_720,
            17 * n3 / 480 - 37 * n4 / 840 - 209 * n5 / 4480 + 5569 * n6 / 90720,
            4397 * n4 / 161_280 - 11 * n5 / 504 - 830_251 * n6 / 7_257_600,
            4583 * n5 / 161_280 - 108_847 * n6 / 3_991_680,
            20_648_693 * n6 / 638_668_800,
        ]
    }()
    private static let delta: [Double] = {
        let n2 = n * n, n3 = n2 * n, n4 = n3 * n, n5 = n4 * n, n6 = n5 * n
        return [
            2 * n - 2 * n2 / 3 - 2 * n3 + 116 * n4 / 45 + 26 * n5 / 45 - 2854 * n6 / 675,
            7 * n2 / 3 - 8 * n3 / 5 - 227 * n4 / 45 + 2704 * n5 / 315 + 2323 * n6 / 945,
            56 * n3 / 15 - 136 * n4 / 35 - 1262 * n5 / 105 + 73814 * n6 / 2835,
            4279 * n4 / 630 - 332 * n5 / 35 - 399_572 * n6 / 14175,
            4174 * n5 / 315 - 144_838 * n6 / 6237,
            601_676 * n6 / 22275,
        ]
    }()

    /// Grid → WGS 84.
    public static func toWGS84(easting: Double, northing: Double, zone: VN2000Zone) -> GeoPoint {
        // Inverse Transverse Mercator: grid → VN-2000 geodetic (WGS 84 ellipsoid).
        let xi = northing / (k0 * bigA)
        let eta = (easting - falseEasting) / (k0 * bigA)
        var xiP = xi
        var etaP = eta
        for j in 1...6 {
            let b = beta[j - 1]
            let jj = Double(2 * j)
            xiP -= b * sin(jj * xi) * cosh(jj * eta)
            etaP -= b * cos(jj * xi) * sinh(jj * eta)
        }
        let chi = asin(sin(xiP) / cosh(etaP))
        var phi = chi
        for j in 1...6 { phi += delta[j - 1] * sin(Double(2 * j) * chi) }
        let lambda = zone.centralMeridian * .pi / 180 + atan2(sinh(etaP), cos(xiP))
        // Geodetic → geocentric (h = 0).
        let e2 = f * (2 - f)
        let sinPhi = sin(phi)
        let nu = a / (1 - e2 * sinPhi * sinPhi).squareRoot()
        let x = nu * cos(phi) * cos(lambda)
        let y = nu * cos(phi) * sin(lambda)
        let z = nu * (1 - e2) * sinPhi
        // Helmert, coordinate-frame rotation (EPSG 9607).
        let s = 1 + helmert.ds * 1e-6
        let r = Double.pi / (180 * 3600)
        let rx = helmert.rx * r, ry = helmert.ry * r, rz = helmert.rz * r
        let x2 = helmert.tx + s * (x + rz * y - ry * z)
        let y2 = helmert.ty + s * (-rz * x + y + rx * z)
        let z2 = helmert.tz + s * (ry * x - rx * y + z)
        // Geocentric → WGS 84 geodetic.
        let p = (x2 * x2 + y2 * y2).squareRoot()
        var lat = atan2(z2, p * (1 - e2))
        for _ in 0..<6 {
            let sl = sin(lat)
            let nn = a / (1 - e2 * sl * sl).squareRoot()
            let h = p / cos(lat) - nn
            lat = atan2(z2, p * (1 - e2 * nn / (nn + h)))
        }
        return GeoPoint(longitude: atan2(y2, x2) * 180 / .pi, latitude: lat * 180 / .pi)
    }

    /// Parses and converts a text point (see the type's documentation).
    public static func normalize(_ input: String, zone contextZone: VN2000Zone? = nil)
        -> Result<GeoPoint, NormalizationFailure>
    {
        let tokens = input.split(whereSeparator: { $0 == " " || $0 == "," || $0 == ";" || $0 == "\t" })
        if tokens.isEmpty { return .failure(.init(.empty, "no coordinates")) }
        var numbers: [Double] = []
        var zone = contextZone
        for (i, t) in tokens.enumerated() {
            if i < 2, let v = Double(t), v.isFinite {
                numbers.append(v)
            } else if i == 2, let z = VN2000Zone(parsing: String(tokens[2...].joined(separator: " "))) {
                zone = z
                break
            } else {
                return .failure(.init(.invalidFormat, "two numbers and a zone (EPSG code or central meridian) expected"))
            }
        }
        guard numbers.count == 2 else {
            return .failure(.init(.invalidFormat, "two numbers (easting, northing) expected, found \(numbers.count)"))
        }
        guard let zone else {
            return .failure(.init(.needsContext, "no VN-2000 zone (e.g. 9209 for 105°30′, 9214 for 107°00′)"))
        }
        let northing = max(numbers[0], numbers[1])
        let easting = min(numbers[0], numbers[1])
        guard (900_000...2_600_000).contains(northing), (100_000...900_000).contains(easting) else {
            return .failure(.init(.outOfRange, "coordinates outside Vietnam's VN-2000 TM-3 range"))
        }
        return .success(toWGS84(easting: easting, northing: northing, zone: zone))
    }
}
