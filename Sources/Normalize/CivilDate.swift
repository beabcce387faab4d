/// A calendar date without time or zone (proleptic Gregorian).
public struct CivilDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Year (1…9999).
    public let year: Int
    /// Month (1…12).
    public let month: Int
    /// Day of month (1…31, checked against the month).
    public let day: Int

    /// A checked date; nil when the day does not exist (31 April, 29 February 2023…).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month), day >= 1,
            day <= CivilDate.daysIn(month: month, year: year)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// The date `days` days after 1970-01-01.
    public init(daysSince1970 days: Int) {
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.year = yoe + era * 400 + (m <= 2 ? 1 : 0)
        self.month = m
        self.day = d
    }

    /// Days since 1970-01-01 (negative before).
    public var daysSince1970: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// `yyyy-mm-dd`.
    public var description: String {
        // Written byte by byte: this runs once per date column per staged record.
        String(unsafeUninitializedCapacity: 48) { out in
            var i = writePadded(year, 4, out, 0)
            out[i] = UInt8(ascii: "-")
            i = writePadded(month, 2, out, i + 1)
            out[i] = UInt8(ascii: "-")
            return writePadded(day, 2, out, i + 1)
        }
    }

    public static func < (a: CivilDate, b: CivilDate) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }

    /// Whether `year` is a Gregorian leap year.
    @inlinable
    public static func isLeap(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    /// Number of days of a month.
    @inlinable
    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// 1 July 2025, the day the 2025 administrative reform took effect.
    public static let reform2025 = CivilDate(daysSince1970: 20_270)
}

/// Writes `n` padded with zeros to `width` digits at `at` (as `appendPadded` would), returns the next index.
/// `out` must have room for 20 more bytes.
@inline(__always)
func writePadded(_ n: Int, _ width: Int, _ out: UnsafeMutableBufferPointer<UInt8>, _ at: Int) -> Int {
    var limit = 1
    for _ in 0..<width { limit &*= 10 }
    guard n >= 0, n < limit else {
        var s = ""
        appendPadded(n, width, &s)
        var i = at
        for byte in s.utf8 {
            out[i] = byte
            i += 1
        }
        return i
    }
    var value = n
    var k = at + width - 1
    while k >= at {
        out[k] = UInt8(ascii: "0") &+ UInt8(value % 10)
        value /= 10
        k -= 1
    }
    return at + width
}

@inline(__always)
func appendPadded(_ n: Int, _ width: Int, _ s: inout String) {
    let digits = String(n)
    if digits.count < width { s.append(String(repeating: "0", count: width - digits.count)) }
    s.append(digits)
}
