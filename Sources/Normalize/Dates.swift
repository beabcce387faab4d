/// How to read a two-digit year; without one, two-digit years are refused.
public struct TwoDigitYearRule: Sendable, Equatable {
    /// Two-digit years below `pivot` are 20yy, the others 19yy (pivot 30: "29" → 2029, "30" → 1930).
    public let pivot: Int

    /// A rule with the given pivot (0…100).
    public init(pivot: Int) { self.pivot = max(0, min(100, pivot)) }

    func year(_ yy: Int) -> Int { yy < pivot ? 2000 + yy : 1900 + yy }
}

/// A point in time with the UTC offset it is shown in.
public struct Timestamp: Sendable, Hashable, CustomStringConvertible {
    /// Seconds since 1970-01-01T00:00:00Z.
    public let epochSeconds: Int64
    /// Fraction of a second as written (digits after the point, at most 9), empty when none.
    public let fraction: String
    /// Offset of the rendering, seconds east of UTC (+25200 for Asia/Ho_Chi_Minh).
    public let offsetSeconds: Int

    /// Vietnam's offset: Asia/Ho_Chi_Minh is UTC+07:00 all year (no daylight saving since 1975).
    public static let vietnamOffset = 7 * 3600

    /// RFC 3339, in `offsetSeconds`: `2024-03-05T08:30:00+07:00`.
    public var description: String {
        let local = epochSeconds + Int64(offsetSeconds)
        var days = Int(local / 86_400)
        var secs = Int(local % 86_400)
        if secs < 0 { secs += 86_400; days -= 1 }
        let date = CivilDate(daysSince1970: days)
        let fraction = self.fraction
        let offset = offsetSeconds
        // Written byte by byte: this runs once per timestamp column per staged record.
        return String(unsafeUninitializedCapacity: 80 + fraction.utf8.count) { out in
            var i = writePadded(date.year, 4, out, 0)
            out[i] = UInt8(ascii: "-")
            i = writePadded(date.month, 2, out, i + 1)
            out[i] = UInt8(ascii: "-")
            i = writePadded(date.day, 2, out, i + 1)
            out[i] = UInt8(ascii: "T")
            i = writePadded(secs / 3600, 2, out, i + 1)
            out[i] = UInt8(ascii: ":")
            i = writePadded(secs / 60 % 60, 2, out, i + 1)
            out[i] = UInt8(ascii: ":")
            i = writePadded(secs % 60, 2, out, i + 1)
            if !fraction.isEmpty {
                out[i] = UInt8(ascii: ".")
                i += 1
                for byte in fraction.utf8 {
                    out[i] = byte
                    i += 1
                }
            }
            if offset == 0 {
                out[i] = UInt8(ascii: "Z")
                return i + 1
            }
            out[i] = offset < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+")
            let o = abs(offset) / 60
            i = writePadded(o / 60, 2, out, i + 1)
            out[i] = UInt8(ascii: ":")
            return writePadded(o % 60, 2, out, i + 1)
        }
    }
}

/// An Excel cell value read as a date: a day, or a day and a time of day when the serial has a fraction.
public enum ExcelDateValue: Sendable, Hashable {
    /// A whole serial.
    case date(CivilDate)
    /// A serial with a fraction, read as local time in Asia/Ho_Chi_Minh.
    case dateTime(Timestamp)
}

/// `date_dmy`, `date_iso`, `excel_date` and `timestamp`: hand-written parsers (no `DateFormatter`, no locale, no
/// allocation on the common path), safe to call from any thread.
public enum DateNormalizer {
    /// `d/m/yyyy`, `d-m-yyyy` or `d.m.yyyy` (one or two digits for day and month, the same separator twice);
    /// two-digit years only with a `rule`. Surrounding spaces are ignored.
    public static func dayMonthYear(_ input: String, rule: TwoDigitYearRule? = nil)
        -> Result<CivilDate, NormalizationFailure>
    {
        var s = Scanner8(input)
        s.skipSpaces()
        if s.atEnd { return .failure(.init(.empty, "no date")) }
        guard let (d, dn) = s.digits(max: 2), dn >= 1 else { return .failure(badDMY) }
        guard let sep = s.peek(), sep == UInt8(ascii: "/") || sep == UInt8(ascii: "-") || sep == UInt8(ascii: ".")
        else { return .failure(badDMY) }
        s.advance()
        guard let (m, mn) = s.digits(max: 2), mn >= 1, s.peek() == sep else { return .failure(badDMY) }
        s.advance()
        guard let (y, yn) = s.digits(max: 4) else { return .failure(badDMY) }
        s.skipSpaces()
        guard s.atEnd else { return .failure(badDMY) }
        let year: Int
        switch yn {
        case 4: year = y
        case 2:
            guard let rule else {
                return .failure(.init(.needsContext, "two-digit year and no pivot rule declared"))
            }
            year = rule.year(y)
        default: return .failure(.init(.invalidFormat, "year must have 4 digits (or 2 with a pivot rule), found \(yn)"))
        }
        return check(year: year, month: m, day: d)
    }

    /// ISO 8601 calendar dates: `yyyy-mm-dd` or the basic form `yyyymmdd`.
    public static func iso(_ input: String) -> Result<CivilDate, NormalizationFailure> {
        var s = Scanner8(input)
        s.skipSpaces()
        if s.atEnd { return .failure(.init(.empty, "no date")) }
        guard let (y, yn) = s.digits(max: 8) else { return .failure(badISO) }
        if yn == 8 {
            s.skipSpaces()
            guard s.atEnd else { return .failure(badISO) }
            return check(year: y / 10000, month: y / 100 % 100, day: y % 100)
        }
        guard yn == 4, s.eat(UInt8(ascii: "-")), let (m, mn) = s.digits(max: 2), mn == 2, s.eat(UInt8(ascii: "-")),
            let (d, dn) = s.digits(max: 2), dn == 2
        else { return .failure(badISO) }
        s.skipSpaces()
        guard s.atEnd else {
            return .failure(.init(.invalidFormat, "a date without time expected (use the timestamp semantic)"))
        }
        return check(year: y, month: m, day: d)
    }

    /// Excel serial numbers. In the 1900 system (the default) serial 1 is 1900-01-01 and, as in Excel, serial 60
    /// is the non-existent 1900-02-29 (refused); serials from 61 are one day less than their count from
    /// 1899-12-31. In the 1904 system serial 0 is 1904-01-01. A fraction is a time of day in Asia/Ho_Chi_Minh.
    public static func excelSerial(_ input: String, system1904: Bool = false)
        -> Result<ExcelDateValue, NormalizationFailure>
    {
        var s = Scanner8(input)
        s.skipSpaces()
        if s.atEnd { return .failure(.init(.empty, "no serial number")) }
        if s.peek() == UInt8(ascii: "-") { return .failure(.init(.outOfRange, "negative serial numbers are not dates")) }
        guard let (whole, wn) = s.digits(max: 7), wn > 0 else {
            return .failure(.init(.invalidFormat, "a serial number (digits, optional fraction) expected"))
        }
        var fraction = 0.0
        if s.eat(UInt8(ascii: ".")) || s.eat(UInt8(ascii: ",")) {
            var scale = 0.1
            var any = false
            while let c = s.peek(), c >= 0x30 && c <= 0x39 {
                fraction += Double(c - 0x30) * scale
                scale /= 10
                any = true
                s.advance()
            }
            if !any { return .failure(.init(.invalidFormat, "digits expected after the decimal point")) }
        }
        s.skipSpaces()
        guard s.atEnd else { return .failure(.init(.invalidFormat, "a serial number (digits, optional fraction) expected")) }
        let days: Int
        if system1904 {
            guard whole <= 2_957_003 else { return .failure(.init(.outOfRange, "serial beyond 9999-12-31")) }
            days = CivilDate(year: 1904, month: 1, day: 1).map { $0.daysSince1970 + whole } ?? 0
        } else {
            if whole == 0 { return .failure(.init(.outOfRange, "serial 0 is Excel's 1900-01-00, not a date")) }
            if whole == 60 {
                return .failure(.init(.outOfRange, "serial 60 is Excel's 1900-02-29, a day that does not exist"))
            }
            guard whole <= 2_958_465 else { return .failure(.init(.outOfRange, "serial beyond 9999-12-31")) }
            // 1899-12-31 is day -25568 since 1970; serials after 60 are one day late.
            days = -25_568 + whole - (whole > 60 ? 1 : 0)
        }
        let date = CivilDate(daysSince1970: days)
        if fraction == 0 { return .success(.date(date)) }
        var seconds = Int((fraction * 86_400).rounded())
        var dayOffset = 0
        if seconds >= 86_400 { seconds -= 86_400; dayOffset = 1 }
        let local = Int64(days + dayOffset) * 86_400 + Int64(seconds)
        return .success(
            .dateTime(Timestamp(epochSeconds: local - Int64(Timestamp.vietnamOffset), fraction: "",
                                offsetSeconds: Timestamp.vietnamOffset)))
    }

    /// Timestamps: ISO 8601 / RFC 3339 (`yyyy-mm-ddThh:mm[:ss[.f…]]`, `T` or a space, then `Z`, `±hh`, `±hhmm` or
    /// `±hh:mm`) or Vietnamese `d/m/yyyy hh:mm[:ss]`. Without an offset the time is local to Asia/Ho_Chi_Minh
    /// (+07:00). The result is rendered in +07:00.
    public static func timestamp(_ input: String) -> Result<Timestamp, NormalizationFailure> {
        var s = Scanner8(input)
        s.skipSpaces()
        if s.atEnd { return .failure(.init(.empty, "no timestamp")) }
        guard let (a, an) = s.digits(max: 4), an > 0, let sep = s.peek() else { return .failure(badTimestamp) }
        var date: CivilDate
        if an == 4 && sep == UInt8(ascii: "-") {
            s.advance()
            guard let (m, mn) = s.digits(max: 2), mn == 2, s.eat(UInt8(ascii: "-")), let (d, dn) = s.digits(max: 2),
                dn == 2
            else { return .failure(badTimestamp) }
            switch check(year: a, month: m, day: d) {
            case .success(let v): date = v
            case .failure(let f): return .failure(f)
            }
        } else if an <= 2 && (sep == UInt8(ascii: "/") || sep == UInt8(ascii: "-") || sep == UInt8(ascii: ".")) {
            s.advance()
            guard let (m, mn) = s.digits(max: 2), mn > 0, s.eat(sep), let (y, yn) = s.digits(max: 4), yn == 4 else {
                return .failure(badTimestamp)
            }
            switch check(year: y, month: m, day: a) {
            case .success(let v): date = v
            case .failure(let f): return .failure(f)
            }
        } else {
            return .failure(badTimestamp)
        }
        guard s.eat(UInt8(ascii: "T")) || s.eat(UInt8(ascii: "t")) || s.eat(UInt8(ascii: " ")) || s.eat(UInt8(ascii: ","))
        else {
            return .failure(.init(.invalidFormat, "a time of day expected after the date"))
        }
        s.skipSpaces()
        guard let (hh, hn) = s.digits(max: 2), hn > 0, s.eat(UInt8(ascii: ":")), let (mi, miN) = s.digits(max: 2),
            miN == 2
        else { return .failure(badTimestamp) }
        var ss = 0
        var fraction = ""
        if s.eat(UInt8(ascii: ":")) {
            guard let (v, n) = s.digits(max: 2), n == 2 else { return .failure(badTimestamp) }
            ss = v
            if s.eat(UInt8(ascii: ".")) || s.eat(UInt8(ascii: ",")) {
                var digits: [UInt8] = []
                while let c = s.peek(), c >= 0x30 && c <= 0x39 {
                    if digits.count < 9 { digits.append(c) }
                    s.advance()
                }
                if digits.isEmpty { return .failure(badTimestamp) }
                fraction = String(decoding: digits, as: UTF8.self)
            }
        }
        guard hh <= 23, mi <= 59, ss <= 60 else {
            return .failure(.init(.outOfRange, "time of day out of range"))
        }
        s.skipSpaces()
        var offset = Timestamp.vietnamOffset
        if s.eat(UInt8(ascii: "Z")) || s.eat(UInt8(ascii: "z")) {
            offset = 0
        } else if let c = s.peek(), c == UInt8(ascii: "+") || c == UInt8(ascii: "-") {
            s.advance()
            guard let oh = s.exactly(2) else { return .failure(badTimestamp) }
            var om = 0
            let colon = s.eat(UInt8(ascii: ":"))
            if let v = s.exactly(2) { om = v } else if colon { return .failure(badTimestamp) }
            guard oh <= 14, om <= 59 else { return .failure(.init(.outOfRange, "UTC offset out of range")) }
            offset = (oh * 3600 + om * 60) * (c == UInt8(ascii: "-") ? -1 : 1)
        }
        s.skipSpaces()
        guard s.atEnd else { return .failure(badTimestamp) }
        let local = Int64(date.daysSince1970) * 86_400 + Int64(hh * 3600 + mi * 60 + min(ss, 59))
        return .success(
            Timestamp(epochSeconds: local - Int64(offset), fraction: fraction, offsetSeconds: Timestamp.vietnamOffset))
    }

    static func check(year: Int, month: Int, day: Int) -> Result<CivilDate, NormalizationFailure> {
        guard (1...12).contains(month) else { return .failure(.init(.outOfRange, "month must be 1–12")) }
        guard year >= 1 else { return .failure(.init(.outOfRange, "year 0 does not exist")) }
        guard let d = CivilDate(year: year, month: month, day: day) else {
            return .failure(
                .init(.outOfRange, "day must be 1–\(CivilDate.daysIn(month: month, year: year)) for that month"))
        }
        return .success(d)
    }

    static let badDMY = NormalizationFailure(.invalidFormat, "day/month/year expected (separators / - or .)")
    static let badISO = NormalizationFailure(.invalidFormat, "ISO 8601 date yyyy-mm-dd expected")
    static let badTimestamp = NormalizationFailure(
        .invalidFormat, "timestamp yyyy-mm-ddThh:mm[:ss][offset] or d/m/yyyy hh:mm[:ss] expected")
}

/// A cursor over UTF-8 bytes for the hand-written parsers.
struct Scanner8 {
    let bytes: [UInt8]
    var i = 0

    init(_ s: String) { bytes = Array(s.utf8) }

    var atEnd: Bool { i >= bytes.count }

    func peek() -> UInt8? { i < bytes.count ? bytes[i] : nil }

    mutating func advance() { i += 1 }

    mutating func eat(_ c: UInt8) -> Bool {
        if i < bytes.count && bytes[i] == c { i += 1; return true }
        return false
    }

    mutating func skipSpaces() {
        while i < bytes.count && (bytes[i] == 0x20 || bytes[i] == 0x09) { i += 1 }
    }

    /// Exactly `n` decimal digits (more may follow), or nil without moving.
    mutating func exactly(_ n: Int) -> Int? {
        guard i + n <= bytes.count else { return nil }
        var value = 0
        for k in i..<(i + n) {
            guard bytes[k] >= 0x30, bytes[k] <= 0x39 else { return nil }
            value = value * 10 + Int(bytes[k] - 0x30)
        }
        i += n
        return value
    }

    /// Up to `max` decimal digits: the value and how many; nil when there is no digit.
    mutating func digits(max: Int) -> (Int, Int)? {
        var value = 0
        var n = 0
        while n < max, i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 {
            value = value * 10 + Int(bytes[i] - 0x30)
            n += 1
            i += 1
        }
        if n == max, i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 { return nil }
        return n == 0 ? nil : (value, n)
    }
}
