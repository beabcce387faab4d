import Normalize
import Hummingbird

/// ISO 8601 timestamps in Asia/Ho_Chi_Minh (+07:00), as the LGSP sends them, without Foundation's formatters.
enum Timestamps {
    static let offset: Int64 = 7 * 3600

    /// `2025-08-14T10:12:45+07:00`
    static func format(_ epoch: Int64) -> String {
        let local = epoch + offset
        let days = Int(floorDiv(local, 86_400))
        let secs = Int(local - Int64(days) * 86_400)
        let (y, m, d) = civil(fromDays: days)
        return Digits.padded(y, width: 4) + "-" + Digits.padded(m, width: 2) + "-" + Digits.padded(d, width: 2) + "T"
            + Digits.padded(secs / 3600, width: 2) + ":" + Digits.padded(secs / 60 % 60, width: 2) + ":"
            + Digits.padded(secs % 60, width: 2) + "+07:00"
    }

    /// Parses `yyyy-MM-dd`, `yyyy-MM-ddTHH:mm[:ss[.fff]]` with `Z` or `±HH:MM` (a space read as `+`, for clients
    /// that do not percent-encode it); a date or time without zone is read in +07:00. Seconds since 1970.
    static func parse(_ text: Substring) -> Int64? {
        let b = Array(text.utf8)
        func num(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= b.count else { return nil }
            var v = 0
            for k in from..<(from + count) {
                guard b[k] >= 0x30, b[k] <= 0x39 else { return nil }
                v = v * 10 + Int(b[k] - 0x30)
            }
            return v
        }
        guard b.count >= 10, let y = num(0, 4), b[4] == 0x2D, let mo = num(5, 2), b[7] == 0x2D, let d = num(8, 2),
            (1...12).contains(mo), d >= 1, d <= daysIn(month: mo, year: y)
        else { return nil }
        var seconds = 0
        var zone: Int64 = offset
        var k = 10
        if k < b.count {
            guard b[k] == 0x54 || b[k] == 0x20 || b[k] == 0x74, let h = num(k + 1, 2), b.count > k + 3,
                b[k + 3] == 0x3A, let mi = num(k + 4, 2), h < 24, mi < 60
            else { return nil }
            seconds = h * 3600 + mi * 60
            k += 6
            if k < b.count, b[k] == 0x3A {
                guard let s = num(k + 1, 2), s < 61 else { return nil }
                seconds += s
                k += 3
                if k < b.count, b[k] == 0x2E || b[k] == 0x2C {
                    k += 1
                    while k < b.count, b[k] >= 0x30, b[k] <= 0x39 { k += 1 }
                }
            }
            if k < b.count {
                if b[k] == 0x5A || b[k] == 0x7A {
                    zone = 0
                    k += 1
                } else if b[k] == 0x2B || b[k] == 0x2D || b[k] == 0x20 {
                    let sign: Int64 = b[k] == 0x2D ? -1 : 1
                    guard let zh = num(k + 1, 2) else { return nil }
                    var zm = 0
                    var next = k + 3
                    if next < b.count, b[next] == 0x3A { next += 1 }
                    if next < b.count {
                        guard let value = num(next, 2) else { return nil }
                        zm = value
                        next += 2
                    }
                    zone = sign * Int64(zh * 3600 + zm * 60)
                    k = next
                } else {
                    return nil
                }
            }
            guard k == b.count else { return nil }
        }
        return Int64(days(year: y, month: mo, day: d)) * 86_400 + Int64(seconds) - zone
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 (Normalize's CivilDate; the date is assumed valid).
    static func days(year: Int, month: Int, day: Int) -> Int {
        CivilDate(year: year, month: month, day: min(day, daysIn(month: month, year: year)))?.daysSince1970 ?? 0
    }

    /// (year, month, day) of a day count since 1970-01-01.
    static func civil(fromDays days: Int) -> (Int, Int, Int) {
        let date = CivilDate(daysSince1970: days)
        return (date.year, date.month, date.day)
    }
}

extension Array where Element == UInt8 {
    /// Writes `"2025-08-14T10:12:45+07:00"` (quoted) without building a String.
    mutating func writeJSONTimestamp(_ epoch: Int64) {
        let local = epoch + Timestamps.offset
        let days = Int(Timestamps.floorDiv(local, 86_400))
        let secs = Int(local - Int64(days) * 86_400)
        let (y, m, d) = Timestamps.civil(fromDays: days)
        var bytes: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
            UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (
            0x22, 0, 0, 0, 0, 0x2D, 0, 0, 0x2D, 0, 0, 0x54, 0, 0, 0x3A, 0, 0, 0x3A, 0, 0, 0x2B, 0x30, 0x37, 0x3A, 0x30,
            0x30, 0x22
        )
        Swift.withUnsafeMutableBytes(of: &bytes) { raw in
            func put(_ value: Int, _ at: Int, _ width: Int) {
                var v = value
                for k in stride(from: at + width - 1, through: at, by: -1) {
                    raw[k] = UInt8(0x30 + v % 10)
                    v /= 10
                }
            }
            put(y, 1, 4)
            put(m, 6, 2)
            put(d, 9, 2)
            put(secs / 3600, 12, 2)
            put(secs / 60 % 60, 15, 2)
            put(secs % 60, 18, 2)
            append(contentsOf: raw)
        }
    }
}
