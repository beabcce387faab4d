import Foundation
import Normalize
import Decoders

/// Checks one source value against a staging column's SQL type and gives its COPY text form.
///
/// The checks are those PostgreSQL would make at COPY time, done here so that one bad value rejects one record
/// (with its field and reason) instead of failing the batch. Reasons never quote the value.
enum ValueTyper {
    enum Outcome: Equatable {
        case value(String?)
        case invalid(String)
    }

    /// - Parameter frame: the CRS of a `geometry` value (GeoJSON): its SRID and axis order (default CRS84).
    static func type(_ raw: String?, as sqlType: String, format: String? = nil, frame: GeometryFrame? = nil) -> Outcome {
        guard let raw else { return .value(nil) }
        if holdsNUL(raw) { return .invalid("holds a NUL byte") }
        if sqlType == "text" { return .value(raw) }
        let text = Whitespace.trimmed(raw)
        if text.isEmpty { return .value(nil) }
        switch sqlType {
        case "integer", "bigint":
            guard let number = Int64(text.hasPrefix("+") ? String(text.dropFirst()) : text) else {
                return .invalid("not a whole number")
            }
            if sqlType == "integer" && (number < Int64(Int32.min) || number > Int64(Int32.max)) {
                return .invalid("out of the integer range")
            }
            return .value(String(number))
        case "numeric":
            return isDecimal(text) ? .value(text) : .invalid("not a decimal number (digits with an optional '.' fraction)")
        case "double precision":
            return Double(text) != nil ? .value(text) : .invalid("not a number")
        case "boolean":
            switch text.lowercased() {
            case "true", "t", "1", "yes", "y", "có", "co": return .value("t")
            case "false", "f", "0", "no", "n", "không", "khong": return .value("f")
            default: return .invalid("not a boolean (true/false, 1/0, có/không)")
            }
        case "date":
            if let format, let reformatted = reformatDate(text, format) { return type(reformatted, as: "date") }
            if case .success(let date) = DateNormalizer.iso(text) { return .value(date.description) }
            switch DateNormalizer.dayMonthYear(text) {
            case .success(let date): return .value(date.description)
            case .failure(let failure): return .invalid("not a date: \(failure.reason)")
            }
        case "timestamptz":
            if let format, let reformatted = reformatTimestamp(text, format) { return type(reformatted, as: "timestamptz") }
            switch DateNormalizer.timestamp(text) {
            case .success(let stamp): return .value(stamp.description)
            case .failure(let failure): return .invalid("not a timestamp: \(failure.reason)")
            }
        case "jsonb":
            guard let data = text.data(using: .utf8),
                (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) != nil
            else { return .invalid("not valid JSON") }
            return .value(text)
        case "geometry":
            guard text.utf8.first == UInt8(ascii: "{") else { return .invalid("not a GeoJSON geometry object") }
            do {
                return .value(try GeoJSONGeometry.ewkt(text, frame: frame ?? .crs84))
            } catch {
                return .invalid("invalid GeoJSON geometry: \(error.reason)")
            }
        default:
            return .value(text)
        }
    }

    /// Whether `text` holds a NUL byte (memchr over its UTF-8 where it is contiguous).
    @inline(__always)
    static func holdsNUL(_ text: String) -> Bool {
        text.utf8.withContiguousStorageIfAvailable { bytes in
            guard let base = bytes.baseAddress else { return false }
            return memchr(base, 0, bytes.count) != nil
        } ?? text.utf8.contains(0)
    }

    /// Rewrites a date in a declared layout as ISO, or nil when it does not fit the layout.
    static func reformatDate(_ text: String, _ format: String) -> String? {
        // ASCII text (every real export) is filtered byte by byte; other text keeps the Unicode reading of digits.
        let digits = text.utf8.allSatisfy({ $0 < 0x80 })
            ? String(decoding: text.utf8.filter { $0 &- 0x30 < 10 }, as: UTF8.self)
            : text.filter(\.isNumber)
        switch format {
        case "yyyy-MM", "yyyy/MM", "MM/yyyy":
            guard digits.count == 6 else { return nil }
            let (year, month) = format.hasPrefix("MM") ? (digits.suffix(4), digits.prefix(2)) : (digits.prefix(4), digits.suffix(2))
            return "\(year)-\(month)-01"
        case "yyyyMMdd", "yyyyMMddHHmm", "yyyyMMddHHmmss":
            // Decision 130/QĐ-BYT writes birth dates as yyyyMMddHHmm too ("199001150000"): the date part counts.
            guard text.utf8.count == format.utf8.count, digits.count == format.utf8.count else { return nil }
            return "\(digits.prefix(4))-\(digits.dropFirst(4).prefix(2))-\(digits.dropFirst(6).prefix(2))"
        default:
            return nil
        }
    }

    /// Rewrites a timestamp in a declared compact layout (`yyyyMMddHHmm`, `yyyyMMddHHmmss`, read in +07:00) as ISO,
    /// or nil when the layout is not one of those or the text does not fit it.
    static func reformatTimestamp(_ text: String, _ format: String) -> String? {
        guard format == "yyyyMMddHHmm" || format == "yyyyMMddHHmmss", text.utf8.count == format.utf8.count,
            text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
        else { return nil }
        // All ASCII digits (checked above): one byte each.
        let d = Array(text.utf8)
        var iso: [UInt8] = []
        iso.reserveCapacity(20)
        iso += d[0..<4]; iso.append(UInt8(ascii: "-")); iso += d[4..<6]; iso.append(UInt8(ascii: "-")); iso += d[6..<8]
        iso.append(UInt8(ascii: "T")); iso += d[8..<10]; iso.append(UInt8(ascii: ":")); iso += d[10..<12]
        if d.count == 14 { iso.append(UInt8(ascii: ":")); iso += d[12..<14] }
        return String(decoding: iso, as: UTF8.self)
    }

    /// `-?digits(.digits)?`
    static func isDecimal(_ text: String) -> Bool {
        var digits = 0
        var seenPoint = false
        for (index, byte) in text.utf8.enumerated() {
            switch byte {
            case 48...57: digits += 1
            case 46 where !seenPoint && digits > 0: seenPoint = true
            case 45 where index == 0, 43 where index == 0: continue
            default: return false
            }
        }
        return digits > 0 && text.utf8.last != 46
    }
}
