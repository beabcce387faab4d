import Foundation
import Hummingbird

extension ByteBuffer {
    /// Writes `"text"` with JSON escaping (the fast path copies the UTF-8 as is).
    mutating func writeJSONString(_ text: String) {
        var plain = true
        for byte in text.utf8 where byte < 0x20 || byte == 0x22 || byte == 0x5C {
            plain = false
            break
        }
        writeInteger(UInt8(0x22))
        if plain {
            writeString(text)
        } else {
            for byte in text.utf8 {
                switch byte {
                case 0x22: writeStaticString("\\\"")
                case 0x5C: writeStaticString("\\\\")
                case 0x0A: writeStaticString("\\n")
                case 0x0D: writeStaticString("\\r")
                case 0x09: writeStaticString("\\t")
                case ..<0x20:
                    writeStaticString("\\u00")
                    let hex: [UInt8] = Array("0123456789abcdef".utf8)
                    writeInteger(hex[Int(byte >> 4)])
                    writeInteger(hex[Int(byte & 0x0F)])
                default: writeInteger(byte)
                }
            }
        }
        writeInteger(UInt8(0x22))
    }

    /// Writes a JSON string or `null`.
    mutating func writeJSONOptional(_ text: String?) {
        if let text { writeJSONString(text) } else { writeStaticString("null") }
    }
}

extension Array where Element == UInt8 {
    /// Writes `"text"` with JSON escaping (the fast path copies the UTF-8 as is).
    mutating func writeJSONString(_ text: String) {
        append(0x22)
        let start = count
        append(contentsOf: text.utf8)
        var plain = true
        for k in start..<count where self[k] < 0x20 || self[k] == 0x22 || self[k] == 0x5C {
            plain = false
            break
        }
        if !plain {
            removeSubrange(start...)
            var escaped = ByteBuffer()
            escaped.writeJSONString(text)
            append(contentsOf: escaped.readableBytesView.dropFirst().dropLast())
        }
        append(0x22)
    }

    /// Writes a JSON string or `null`.
    mutating func writeJSONOptional(_ text: String?) {
        if let text { writeJSONString(text) } else { append(contentsOf: "null".utf8) }
    }

    /// Appends ASCII text.
    mutating func write(_ text: StaticString) {
        text.withUTF8Buffer { append(contentsOf: $0) }
    }
}

/// RFC 4180 CSV fields (`,`, quoted when needed; an absent value is an empty unquoted field, which PostgreSQL's
/// `COPY … CSV` reads as NULL).
enum CSVText {
    static func field(_ value: String?) -> String {
        guard let value else { return "" }
        if value.isEmpty { return "\"\"" }
        var needsQuotes = false
        for byte in value.utf8 where byte == 0x2C || byte == 0x22 || byte == 0x0A || byte == 0x0D {
            needsQuotes = true
            break
        }
        if value.first == " " || value.last == " " { needsQuotes = true }
        guard needsQuotes else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static func line(_ values: [String?]) -> String {
        values.map(field).joined(separator: ",") + "\n"
    }
}
