import Foundation

/// A postal service point (`postal_points` feed).
struct PostalPoint: Sendable {
    let code: String
    let name: String
    /// "Bưu cục cấp 1", "Bưu cục cấp 2", "Bưu cục cấp 3", "Điểm Bưu điện - Văn hóa xã", "Kiosk", "Đại lý bưu điện".
    let type: String
    let address: String
    let ward2025: String
    let position: XY
    let services: String
    let broadband: Bool
    /// How the coordinates are written: decimal, degrees-minutes-seconds, or latitude and longitude swapped.
    let style: CoordinateStyle
    let duplicated: Bool
}

/// A base transceiver station (`bts_stations` feed).
struct BTSStation: Sendable {
    let code: String
    let operatorName: String
    /// "2G", "3G", "4G", "5G".
    let technology: String
    /// Antenna pole class: "A1a", "A1b" (unobtrusive), "A2a", "A2b" (bulky).
    let poleClass: String
    let shared: Bool
    let ward2025: String
    let position: XY
    let commissioned: String
    let style: CoordinateStyle
    let duplicated: Bool
}

/// Telecom subscriptions of one commune in one year (`telecom_subscriptions` feed).
struct Subscriptions: Sendable {
    let year: Int
    /// The commune's code in that year (old codes for 2024, new for 2025).
    let code: String
    let name: String
    let ward2025: String
    let fixed: Int
    let mobile: Int
    let broadband: Int
}

/// How a row writes its coordinates.
enum CoordinateStyle: String, Sendable {
    case decimal
    /// `21°10'30.5"N` and `106°04'34.7"E`.
    case dms
    /// Latitude in the longitude column and the other way round.
    case swapped

    /// (latitude column, longitude column).
    func columns(_ p: XY) -> (String, String) {
        switch self {
        case .decimal: (Self.decimal(p.y), Self.decimal(p.x))
        case .dms: (Self.dms(p.y, positive: "N", negative: "S"), Self.dms(p.x, positive: "E", negative: "W"))
        case .swapped: (Self.decimal(p.x), Self.decimal(p.y))
        }
    }

    static func decimal(_ v: Double) -> String { String(format: "%.6f", v) }

    /// Degrees, minutes and seconds to a tenth of a second (about 3 m).
    static func dms(_ v: Double, positive: String, negative: String) -> String {
        let tenths = Int((abs(v) * 36_000).rounded())
        let degrees = tenths / 36_000
        let minutes = (tenths % 36_000) / 600
        let seconds = tenths % 600
        return "\(degrees)°\(Digits.padded(minutes, width: 2))'\(Digits.padded(seconds / 10, width: 2)).\(seconds % 10)\"\(v < 0 ? negative : positive)"
    }

    /// The position a correct reading recovers (a DMS value is rounded to a tenth of a second).
    func recovered(_ p: XY) -> XY {
        guard self == .dms else { return p }
        func round(_ v: Double) -> Double { (abs(v) * 36_000).rounded() / 36_000 * (v < 0 ? -1 : 1) }
        return XY(x: round(p.x), y: round(p.y))
    }
}

/// The Department of Information and Communications' exports: postal service points, BTS stations (both CSV,
/// with the usual mess: a few coordinates in degrees-minutes-seconds, a few with latitude and longitude swapped,
/// rows exported twice) and telecom subscriptions by commune and year. Fixed counts, independent of the scale
/// (about 330 postal points and 7,600 stations for the merged province), placed in wards by position.
struct TelecomFeed: Sendable {
    let postalPoints: [PostalPoint]
    let stations: [BTSStation]
    let subscriptions: [Subscriptions]

    static let operators = ["Viettel", "VNPT-VinaPhone", "MobiFone"]

    init(seed: UInt64, shapes: ProvinceShapes, geography: Geography, statistics: StatisticsGenerator) {
        var points: [PostalPoint] = []
        var stations: [BTSStation] = []
        func style(_ rng: inout SplitMix64) -> CoordinateStyle {
            let u = rng.unit()
            return u < 0.04 ? .dms : u < 0.055 ? .swapped : .decimal
        }
        for (w, ward) in shapes.wards.enumerated() {
            var rng = SplitMix64(seed: seed, salt: Salt.telecom, UInt64(w))
            let urban = ward.type == "Phường"
            let pointCount = urban ? 4 + rng.below(3) : 2 + rng.below(2)
            for k in 0..<pointCount {
                guard let p = Self.point(in: w, shapes: shapes, rng: &rng) else { continue }
                let type: String
                if k == 0 {
                    type = urban ? (rng.unit() < 0.2 ? "Bưu cục cấp 1" : "Bưu cục cấp 2") : "Điểm Bưu điện - Văn hóa xã"
                } else {
                    type = ["Bưu cục cấp 3", "Điểm Bưu điện - Văn hóa xã", "Kiosk", "Đại lý bưu điện"][rng.below(4)]
                }
                var services = ["bưu chính", "phát hành báo chí"]
                if type.hasPrefix("Bưu cục") || rng.unit() < 0.5 { services.append("tài chính bưu chính") }
                if rng.unit() < 0.4 { services.append("hành chính công") }
                let code = "BC\(ward.code)\(Digits.padded(k + 1, width: 2))"
                let short = ward.name.split(separator: " ").dropFirst().joined(separator: " ")
                points.append(
                    PostalPoint(
                        code: code, name: "\(type) \(short)\(k > 0 ? " \(k + 1)" : "")", type: type,
                        address: "Thôn \(1 + rng.below(12)), \(ward.name), Tỉnh Bắc Ninh", ward2025: ward.code, position: p,
                        services: services.joined(separator: ";"), broadband: rng.unit() < 0.9, style: style(&rng),
                        duplicated: rng.unit() < 0.03))
            }
            let stationCount = urban ? 95 + rng.below(40) : 55 + rng.below(30)
            for k in 0..<stationCount {
                guard let p = Self.point(in: w, shapes: shapes, rng: &rng) else { continue }
                let t = rng.unit()
                let technology = t < 0.05 ? "2G" : t < 0.15 ? "3G" : t < 0.93 ? "4G" : "5G"
                let c = rng.unit()
                let pole = c < 0.45 ? "A1a" : c < 0.80 ? "A1b" : c < 0.92 ? "A2a" : "A2b"
                let year = 2008 + rng.below(18)
                stations.append(
                    BTSStation(
                        code: "BTS-\(ward.code)-\(Digits.padded(k + 1, width: 3))", operatorName: rng.pick(Self.operators),
                        technology: technology, poleClass: pole, shared: rng.unit() < 0.22, ward2025: ward.code, position: p,
                        commissioned: "\(year)-\(Digits.padded(1 + rng.below(12), width: 2))-\(Digits.padded(1 + rng.below(28), width: 2))",
                        style: style(&rng), duplicated: rng.unit() < 0.02))
            }
        }
        // Subscriptions: per 100 people, fixed 2–5, mobile 100–140, broadband 40–75 (2024 by old commune, 2025 by
        // new ward), from the statistics feed's populations of the same year.
        var subscriptions: [Subscriptions] = []
        for row in statistics.rows where row.year >= 2024 && !row.code.isEmpty {
            var rng = SplitMix64(seed: seed, salt: Salt.telecom &+ 1, UInt64(row.year), Mix.hash(0, UInt64(row.code) ?? 0))
            let people = Double(row.population)
            subscriptions.append(
                Subscriptions(
                    year: row.year, code: row.code, name: row.name, ward2025: row.ward2025,
                    fixed: Int((people * (0.02 + 0.03 * rng.unit())).rounded()),
                    mobile: Int((people * (1.0 + 0.4 * rng.unit())).rounded()),
                    broadband: Int((people * (0.4 + 0.35 * rng.unit())).rounded())))
        }
        self.postalPoints = points
        self.stations = stations
        self.subscriptions = subscriptions
    }

    /// A position inside ward `w`, 6 decimals (about 0.1 m), at least ~30 m inside it.
    static func point(in w: Int, shapes: ProvinceShapes, rng: inout SplitMix64) -> XY? {
        let ring = shapes.wards[w].ring
        let box = shapes.wardBoxes[w]
        let d = 0.0003
        for _ in 0..<200 {
            let x = ((box.minX + rng.unit() * (box.maxX - box.minX)) * 1e6).rounded() / 1e6
            let y = ((box.minY + rng.unit() * (box.maxY - box.minY)) * 1e6).rounded() / 1e6
            let probes = [XY(x: x, y: y), XY(x: x - d, y: y), XY(x: x + d, y: y), XY(x: x, y: y - d), XY(x: x, y: y + d)]
            if probes.allSatisfy({ Plane.contains(ring, $0) }) { return XY(x: x, y: y) }
        }
        return nil
    }

    static let postalHeader = "ma_diem,ten_diem,loai_hinh,dia_chi,vi_do,kinh_do,dich_vu,bang_rong"
    static let stationHeader = "ma_tram,nha_mang,cong_nghe,loai_cot,dung_chung,vi_do,kinh_do,ngay_phat_song"
    static let subscriptionHeader = "nam,ma_xa,ten_xa,thue_bao_co_dinh,thue_bao_di_dong,thue_bao_bang_rong"

    /// The postal points export (UTF-8, `,`, CRLF; rows exported twice appear twice).
    func postalCSV() -> String {
        var out = Self.postalHeader + "\n"
        for p in postalPoints {
            let (lat, lon) = p.style.columns(p.position)
            let line = CSVText.line([p.code, p.name, p.type, p.address, lat, lon, p.services, p.broadband ? "Có" : "Không"])
            out += line
            if p.duplicated { out += line }
        }
        return out
    }

    func stationCSV() -> String {
        var out = Self.stationHeader + "\n"
        for s in stations {
            let (lat, lon) = s.style.columns(s.position)
            let line = CSVText.line([
                s.code, s.operatorName, s.technology, s.poleClass, s.shared ? "Có" : "Không", lat, lon, s.commissioned,
            ])
            out += line
            if s.duplicated { out += line }
        }
        return out
    }

    func subscriptionCSV() -> String {
        var out = Self.subscriptionHeader + "\n"
        for s in subscriptions {
            out += CSVText.line([String(s.year), s.code, s.name, String(s.fixed), String(s.mobile), String(s.broadband)])
        }
        return out
    }
}
