/// Writes small JSON documents by hand (for `_extra`): faster than `JSONSerialization` on the ingest hot path,
/// and keeps the source's field order.
package enum JSONText {
    /// `{"path":"value",…}`; nil values are left out.
    package static func object(_ fields: [(String, String?)]) -> String {
        var out = "{"
        var first = true
        for (key, value) in fields {
            guard let value else { continue }
            if !first { out += "," }
            first = false
            string(key, into: &out)
            out += ":"
            string(value, into: &out)
        }
        return out + "}"
    }

    package static func string(_ text: String, into out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            // jsonb refuses \u0000: a NUL in an unbound field is kept as U+FFFD.
            case "\u{0}": out += "\\ufffd"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
