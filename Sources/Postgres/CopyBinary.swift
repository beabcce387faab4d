import Foundation

/// PostgreSQL's binary COPY format, written by clients that build rows themselves (the ingest's staging loads).
///
/// A stream is `header`, rows, `trailer`; a row is its field count (16 bits) and each field as a 32-bit length
/// (−1 for NULL) and that many bytes, all integers big-endian. The server then runs each type's binary receive
/// function instead of parsing text (no delimiter scan, no date or timestamp parser): for the values a client has
/// already checked, the same rows cost the server about a third less.
///
/// Values are given in the COPY text form the client would otherwise send (`yyyy-mm-dd`, RFC 3339 timestamps,
/// decimal numbers…) and encoded from it, so that what is stored is what the text form stores.
public enum CopyBinary {
    /// The signature, flags and header-extension length that open a stream.
    public static let header: [UInt8] = Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00] + [0, 0, 0, 0] + [0, 0, 0, 0]
    /// The field count −1 that ends a stream.
    public static let trailer: [UInt8] = [0xFF, 0xFF]

    /// A column type whose values this encoder writes, with the text form it reads them from.
    public enum Column: Sendable, Equatable {
        /// `text`: the bytes as they are (no NUL).
        case text
        /// `date`: `yyyy-mm-dd` (a year of four digits or more), days since 2000-01-01.
        case date
        /// `timestamptz`: `yyyy-mm-ddThh:mm:ss[.fraction](Z|±hh:mm)`, microseconds since 2000-01-01T00:00:00Z.
        case timestamptz
        /// `integer`: a 32-bit integer in decimal.
        case integer
        /// `bigint`: a 64-bit integer in decimal.
        case bigint
        /// `boolean`: `t` or `f`.
        case boolean
        /// `jsonb`: JSON text (format version 1).
        case jsonb
        /// `numeric`: `[+-]digits[.digits]`.
        case numeric

        /// The column for a staging SQL type, or nil when values of that type are sent as text only.
        public init?(sqlType: String) {
            switch sqlType {
            case "text": self = .text
            case "date": self = .date
            case "timestamptz": self = .timestamptz
            case "integer": self = .integer
            case "bigint": self = .bigint
            case "boolean": self = .boolean
            case "jsonb": self = .jsonb
            case "numeric": self = .numeric
            default: return nil
            }
        }
    }

    /// Starts a row of `fields` fields.
    @inlinable
    public static func beginRow(fields: Int, to out: inout [UInt8]) {
        appendBigEndian(UInt16(truncatingIfNeeded: fields), to: &out)
    }

    /// Appends a NULL field.
    @inlinable
    public static func appendNull(to out: inout [UInt8]) {
        appendBigEndian(UInt32.max, to: &out)
    }

    /// Starts a field of `count` bytes (the caller appends them).
    @inlinable
    public static func beginField(count: Int, to out: inout [UInt8]) {
        appendBigEndian(UInt32(truncatingIfNeeded: count), to: &out)
    }

    /// Appends a `text` field; false (nothing appended) when the bytes hold a NUL, which text cannot store.
    @inlinable
    public static func appendText(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) -> Bool {
        if let base = bytes.baseAddress, memchr(base, 0, bytes.count) != nil { return false }
        appendBigEndian(UInt32(truncatingIfNeeded: bytes.count), to: &out)
        out.append(contentsOf: bytes)
        return true
    }

    /// Appends a `bigint` field.
    @inlinable
    public static func appendBigint(_ value: Int64, to out: inout [UInt8]) {
        appendBigEndian(UInt32(8), to: &out)
        appendBigEndian(UInt64(bitPattern: value), to: &out)
    }

    /// Appends a value of `column` given in its COPY text form; false (nothing appended) when the text is not
    /// one this encoder reads for that type, or holds a NUL.
    @inlinable
    public static func append(_ text: UnsafeRawBufferPointer, as column: Column, to out: inout [UInt8]) -> Bool {
        switch column {
        case .text:
            return appendText(text, to: &out)
        case .date:
            guard let days = days(text) else { return false }
            appendBigEndian(UInt32(4), to: &out)
            appendBigEndian(UInt32(bitPattern: days), to: &out)
            return true
        case .timestamptz:
            guard let micros = microseconds(text) else { return false }
            appendBigEndian(UInt32(8), to: &out)
            appendBigEndian(UInt64(bitPattern: micros), to: &out)
            return true
        case .integer:
            guard let value = integer(text), let narrow = Int32(exactly: value) else { return false }
            appendBigEndian(UInt32(4), to: &out)
            appendBigEndian(UInt32(bitPattern: narrow), to: &out)
            return true
        case .bigint:
            guard let value = integer(text) else { return false }
            appendBigint(value, to: &out)
            return true
        case .boolean:
            guard text.count == 1, text[0] == UInt8(ascii: "t") || text[0] == UInt8(ascii: "f") else { return false }
            appendBigEndian(UInt32(1), to: &out)
            out.append(text[0] == UInt8(ascii: "t") ? 1 : 0)
            return true
        case .jsonb:
            if let base = text.baseAddress, memchr(base, 0, text.count) != nil { return false }
            appendBigEndian(UInt32(truncatingIfNeeded: text.count + 1), to: &out)
            out.append(1)
            out.append(contentsOf: text)
            return true
        case .numeric:
            return appendNumeric(text, to: &out)
        }
    }

    // MARK: - Integers

    @inlinable
    static func appendBigEndian<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
        var big = value.bigEndian
        withUnsafeBytes(of: &big) { out.append(contentsOf: $0) }
    }

    /// `[-]digits` (as the typer renders integers), nil past 64 bits.
    @usableFromInline
    static func integer(_ text: UnsafeRawBufferPointer) -> Int64? {
        var index = 0
        var negative = false
        if text.count > 0, text[0] == UInt8(ascii: "-") || text[0] == UInt8(ascii: "+") {
            negative = text[0] == UInt8(ascii: "-")
            index = 1
        }
        guard index < text.count else { return nil }
        var value: Int64 = 0
        while index < text.count {
            let digit = Int64(text[index]) - 48
            guard digit >= 0, digit <= 9 else { return nil }
            let (shifted, o1) = value.multipliedReportingOverflow(by: 10)
            let (next, o2) = negative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
            guard !o1, !o2 else { return nil }
            value = next
            index += 1
        }
        return value
    }

    // MARK: - Dates and times

    /// Days from 1970-01-01 to a proleptic Gregorian day (Howard Hinnant's `days_from_civil`).
    static func daysSince1970(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// 2000-01-01, PostgreSQL's epoch, in days from 1970-01-01.
    static let postgresEpochDays = 10_957

    /// The digits at `from` up to the first non-digit: (value, next index); nil when there are none or too many.
    @inline(__always)
    private static func digits(_ text: UnsafeRawBufferPointer, _ from: Int, max: Int) -> (Int, Int)? {
        var value = 0
        var index = from
        while index < text.count, index - from < max, text[index] >= 48, text[index] <= 57 {
            value = value * 10 + Int(text[index] - 48)
            index += 1
        }
        return index > from && (index == text.count || text[index] < 48 || text[index] > 57) ? (value, index) : nil
    }

    /// `yyyy-mm-dd` at the start of `text`, a day that exists: (days since 1970-01-01, next index).
    private static func civilDay(_ text: UnsafeRawBufferPointer) -> (Int, Int)? {
        guard let (year, afterYear) = digits(text, 0, max: 7), afterYear >= 4, afterYear < text.count,
            text[afterYear] == UInt8(ascii: "-"), let (month, afterMonth) = digits(text, afterYear + 1, max: 2),
            afterMonth == afterYear + 3, afterMonth < text.count, text[afterMonth] == UInt8(ascii: "-"),
            let (day, afterDay) = digits(text, afterMonth + 1, max: 2), afterDay == afterMonth + 3,
            year >= 1, (1...12).contains(month), day >= 1
        else { return nil }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let length = month == 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].contains(month) ? 30 : 31
        guard day <= length else { return nil }
        return (daysSince1970(year: year, month: month, day: day), afterDay)
    }

    /// Days since 2000-01-01 of exactly `yyyy-mm-dd`.
    @usableFromInline
    static func days(_ text: UnsafeRawBufferPointer) -> Int32? {
        guard let (days, end) = civilDay(text), end == text.count else { return nil }
        return Int32(exactly: days - postgresEpochDays)
    }

    /// Microseconds since 2000-01-01T00:00:00Z of `yyyy-mm-ddThh:mm:ss[.fraction](Z|±hh:mm)`. A fraction is
    /// rounded to microseconds as PostgreSQL rounds it (the fraction read as a double, times 10⁶, to nearest even).
    @usableFromInline
    static func microseconds(_ text: UnsafeRawBufferPointer) -> Int64? {
        guard let (days, afterDate) = civilDay(text), afterDate + 9 <= text.count,
            text[afterDate] == UInt8(ascii: "T") || text[afterDate] == UInt8(ascii: " "),
            let (hour, afterHour) = digits(text, afterDate + 1, max: 2), afterHour == afterDate + 3,
            text[afterHour] == UInt8(ascii: ":"), let (minute, afterMinute) = digits(text, afterHour + 1, max: 2),
            afterMinute == afterHour + 3, afterMinute < text.count, text[afterMinute] == UInt8(ascii: ":"),
            let (second, afterSecond) = digits(text, afterMinute + 1, max: 2), afterSecond == afterMinute + 3,
            hour <= 23, minute <= 59, second <= 59
        else { return nil }
        var index = afterSecond
        var fraction: Int64 = 0
        if index < text.count, text[index] == UInt8(ascii: ".") {
            let start = index + 1
            index = start
            while index < text.count, text[index] >= 48, text[index] <= 57 { index += 1 }
            guard index > start, index - start <= 9 else { return nil }
            if index - start <= 6 {
                for k in start..<index { fraction = fraction * 10 + Int64(text[k] - 48) }
                for _ in (index - start)..<6 { fraction *= 10 }
            } else {
                guard let value = Double("0." + String(decoding: UnsafeRawBufferPointer(rebasing: text[start..<index]), as: UTF8.self))
                else { return nil }
                fraction = Int64((value * 1_000_000).rounded(.toNearestOrEven))
            }
        }
        guard index < text.count else { return nil }
        var offset = 0
        if text[index] == UInt8(ascii: "Z") {
            index += 1
        } else {
            guard text[index] == UInt8(ascii: "+") || text[index] == UInt8(ascii: "-"),
                let (hours, afterHours) = digits(text, index + 1, max: 2), afterHours == index + 3, hours <= 15
            else { return nil }
            var minutes = 0
            var end = afterHours
            if afterHours < text.count {
                guard text[afterHours] == UInt8(ascii: ":"), let (m, afterMinutes) = digits(text, afterHours + 1, max: 2),
                    afterMinutes == afterHours + 3, m <= 59
                else { return nil }
                minutes = m
                end = afterMinutes
            }
            offset = (hours * 60 + minutes) * 60 * (text[index] == UInt8(ascii: "-") ? -1 : 1)
            index = end
        }
        guard index == text.count else { return nil }
        let seconds = Int64(days - postgresEpochDays) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offset)
        let (micros, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000)
        guard !overflow else { return nil }
        return micros + fraction
    }

    // MARK: - Numeric

    /// `[+-]digits[.digits]` as PostgreSQL's `numeric` binary form: base-10000 digits around the decimal point,
    /// the weight of the first, the sign and the number of decimal digits after the point (as written).
    @usableFromInline
    static func appendNumeric(_ text: UnsafeRawBufferPointer, to out: inout [UInt8]) -> Bool {
        var index = 0
        var negative = false
        if text.count > 0, text[0] == UInt8(ascii: "-") || text[0] == UInt8(ascii: "+") {
            negative = text[0] == UInt8(ascii: "-")
            index = 1
        }
        let integerStart = index
        while index < text.count, text[index] >= 48, text[index] <= 57 { index += 1 }
        let integerEnd = index
        var fractionStart = index
        var fractionEnd = index
        if index < text.count, text[index] == UInt8(ascii: ".") {
            fractionStart = index + 1
            index = fractionStart
            while index < text.count, text[index] >= 48, text[index] <= 57 { index += 1 }
            fractionEnd = index
            guard fractionEnd > fractionStart else { return false }
        }
        guard index == text.count, integerEnd > integerStart, fractionEnd - fractionStart <= 0x3FFF else { return false }
        // Groups of four decimal digits, aligned on the point: the integer part padded on the left (so that its
        // digits end a group), the fraction on the right.
        var groups: [Int16] = []
        let integerCount = integerEnd - integerStart
        let integerGroups = (integerCount + 3) / 4
        var group = 0
        var filled = 4 - (integerGroups * 4 - integerCount)
        for k in [integerStart..<integerEnd, fractionStart..<fractionEnd].joined() {
            group = group * 10 + Int(text[k] - 48)
            filled -= 1
            if filled == 0 {
                groups.append(Int16(group))
                group = 0
                filled = 4
            }
        }
        if filled < 4 {
            for _ in 0..<filled { group *= 10 }
            groups.append(Int16(group))
        }
        var weight = integerGroups - 1
        var first = 0
        while first < groups.count, groups[first] == 0 {
            first += 1
            weight -= 1
        }
        var last = groups.count
        while last > first, groups[last - 1] == 0 { last -= 1 }
        let digits = groups[first..<last]
        if digits.isEmpty { weight = 0 }
        guard let weight16 = Int16(exactly: weight) else { return false }
        appendBigEndian(UInt32(8 + 2 * digits.count), to: &out)
        appendBigEndian(UInt16(truncatingIfNeeded: digits.count), to: &out)
        appendBigEndian(UInt16(bitPattern: weight16), to: &out)
        appendBigEndian(UInt16(negative && !digits.isEmpty ? 0x4000 : 0), to: &out)
        appendBigEndian(UInt16(truncatingIfNeeded: fractionEnd - fractionStart), to: &out)
        for digit in digits { appendBigEndian(UInt16(bitPattern: digit), to: &out) }
        return true
    }
}
