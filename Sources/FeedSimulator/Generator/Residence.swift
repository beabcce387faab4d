/// Where a simulated person lives at a given time, for the feeds that carry a commune code beside a citizen:
/// the post-2025 ward of their first version, or before 1 July 2025 one of the old communes merged into it.
struct Residence: Sendable {
    /// GSO code of the commune or ward, of the era of the record.
    let code: String
    /// Its name, of the same era ("Xã Phù Chẩn", "Phường Vũ Ninh").
    let name: String
    /// GSO code of the province of that era: "27" (old Bắc Ninh), "24" (old Bắc Giang, and the new Bắc Ninh).
    let provinceCode: String
    /// The post-2025 ward behind it.
    let ward2025: String
    /// Whether the code is a pre-2025 one.
    let isOld: Bool
}

extension PersonGenerator {
    /// Index in `geography.wards` of the ward of person `index`'s version `version` (the first draw of the same
    /// stream `person(_:version:updatedAt:preReform:)` picks it from, so both agree).
    func wardIndex(_ index: Int, version: Int = 0) -> Int {
        var c = SplitMix64(seed: seed, salt: Salt.contact, UInt64(index), UInt64(version))
        return c.below(geography.wards.count)
    }

    /// Person `index`'s residence at `time` (seconds since 1970): before the reform, an old commune of their ward,
    /// chosen by `salt` so that each feed can differ.
    func residence(_ index: Int, at time: Int64, salt: UInt64) -> Residence {
        let ward = geography.wards[wardIndex(index)]
        guard time < Timeline.reform else {
            return Residence(
                code: ward.code, name: ward.name, provinceCode: Geography.provinceCode, ward2025: ward.code, isOld: false)
        }
        let old = ward.oldUnits[Int(Mix.hash(seed ^ salt, UInt64(index), 11) % UInt64(ward.oldUnits.count))]
        return Residence(
            code: old.code, name: old.name, provinceCode: Geography.oldProvinceCode(of: old), ward2025: ward.code,
            isOld: true)
    }
}

extension Geography {
    /// GSO code of an old unit's province: "27" for old Bắc Ninh, "24" for old Bắc Giang.
    static func oldProvinceCode(of unit: OldUnit) -> String {
        unit.province.hasSuffix("Bắc Ninh") ? "27" : "24"
    }
}

/// Time helpers of the feeds whose records are spread over a fixed span of virtual time.
enum Spread {
    /// 2024-01-01T00:00:00+07:00: the start of the labour and health-claims data.
    static let recentStart: Int64 = 1_704_042_000

    /// The time of record `k` of `count` spread evenly (with jitter inside each step) over `[start, end)`; strictly
    /// increasing in `k`, so a window is a binary search.
    static func time(_ k: Int, of count: Int, start: Int64, end: Int64, seed: UInt64, salt: UInt64) -> Int64 {
        let step = max(1, (end - start) / Int64(max(1, count)))
        return start + Int64(k) * step + Int64(Mix.hash(seed ^ salt, UInt64(k), 5) % UInt64(step))
    }

    /// The first k in 0..<count whose time is at or after `t`.
    static func first(atOrAfter t: Int64, count: Int, time: (Int) -> Int64) -> Int {
        var lo = 0
        var hi = count
        while lo < hi {
            let mid = (lo + hi) / 2
            if time(mid) < t { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// `dd/MM/yyyy` of a time in +07:00.
    static func dmy(_ epoch: Int64) -> String {
        let (y, m, d) = civil(epoch)
        return Digits.padded(d, width: 2) + "/" + Digits.padded(m, width: 2) + "/" + Digits.padded(y, width: 4)
    }

    /// `yyyy-MM-dd` of a time in +07:00.
    static func iso(_ epoch: Int64) -> String {
        let (y, m, d) = civil(epoch)
        return Digits.padded(y, width: 4) + "-" + Digits.padded(m, width: 2) + "-" + Digits.padded(d, width: 2)
    }

    /// `yyyyMMddHHmm` of a time in +07:00 (Decision 130/QĐ-BYT).
    static func compact(_ epoch: Int64) -> String {
        let local = epoch + Timestamps.offset
        let days = Timestamps.floorDiv(local, 86_400)
        let secs = Int(local - days * 86_400)
        let (y, m, d) = Timestamps.civil(fromDays: Int(days))
        return Digits.padded(y, width: 4) + Digits.padded(m, width: 2) + Digits.padded(d, width: 2)
            + Digits.padded(secs / 3600, width: 2) + Digits.padded(secs / 60 % 60, width: 2)
    }

    /// (year, month, day) of a time in +07:00.
    static func civil(_ epoch: Int64) -> (Int, Int, Int) {
        Timestamps.civil(fromDays: Int(Timestamps.floorDiv(epoch + Timestamps.offset, 86_400)))
    }
}
