import Foundation

/// Text forms of `timestamptz` and `date` as the connection's `DateStyle=ISO` and `TimeZone=UTC` produce them.
enum PostgresTimestamp {
    /// `YYYY-MM-DD HH:MM:SS.ffffff+00` in UTC.
    static func format(_ date: Date) -> String {
        let totalMicros = (date.timeIntervalSince1970 * 1_000_000).rounded()
        let seconds = Int((totalMicros / 1_000_000).rounded(.down))
        let micros = Int(totalMicros - Double(seconds) * 1_000_000)
        let (y, m, d) = civil(fromDays: seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400)
        let secondOfDay = ((seconds % 86_400) + 86_400) % 86_400
        let year = y > 0 ? pad(y, 4) : "\(pad(1 - y, 4))"
        var text = "\(year)-\(pad(m, 2))-\(pad(d, 2)) "
        text += "\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))"
        text += ".\(pad(micros, 6))+00"
        if y <= 0 { text += " BC" }
        return text
    }

    /// Parses `YYYY-MM-DD[ HH:MM:SS[.ffffff]][+HH[:MM[:SS]]]` (also with `T`), as PostgreSQL prints
    /// `timestamptz`, `timestamp` (read as UTC) and `date`.
    static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        var i = 0
        func number(_ count: Int) -> Int? {
            guard i + count <= bytes.count else { return nil }
            var value = 0
            for k in i..<(i + count) {
                let b = bytes[k]
                guard b >= 48 && b <= 57 else { return nil }
                value = value * 10 + Int(b - 48)
            }
            i += count
            return value
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < bytes.count, bytes[i] == c else { return false }
            i += 1
            return true
        }
        var yearDigits = 0
        while i + yearDigits < bytes.count, bytes[i + yearDigits] >= 48, bytes[i + yearDigits] <= 57 { yearDigits += 1 }
        guard yearDigits >= 4, let year = number(yearDigits), expect(45), let month = number(2), expect(45),
            let day = number(2)
        else { return nil }
        var seconds = Double(days(fromCivil: year, month, day)) * 86_400
        if i < bytes.count, bytes[i] == 32 || bytes[i] == 84 {
            i += 1
            guard let h = number(2), expect(58), let mi = number(2), expect(58), let s = number(2) else { return nil }
            seconds += Double(h * 3600 + mi * 60 + s)
            if i < bytes.count, bytes[i] == 46 {
                i += 1
                var fraction = 0.0
                var scale = 0.1
                while i < bytes.count, bytes[i] >= 48, bytes[i] <= 57 {
                    fraction += Double(bytes[i] - 48) * scale
                    scale /= 10
                    i += 1
                }
                seconds += fraction
            }
            if i < bytes.count, bytes[i] == 43 || bytes[i] == 45 {
                let sign: Double = bytes[i] == 43 ? 1 : -1
                i += 1
                guard let oh = number(2) else { return nil }
                var offset = Double(oh * 3600)
                if expect(58), let om = number(2) { offset += Double(om * 60) }
                if expect(58), let os = number(2) { offset += Double(os) }
                seconds -= sign * offset
            } else if i < bytes.count, bytes[i] == 90 {
                i += 1
            }
        }
        if text.hasSuffix(" BC") { return nil }
        guard i == bytes.count else { return nil }
        return Date(timeIntervalSince1970: seconds)
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func days(fromCivil year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The proleptic Gregorian date of a day count since 1970-01-01.
    static func civil(fromDays days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
