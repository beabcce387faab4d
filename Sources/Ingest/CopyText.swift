import Foundation

/// PostgreSQL COPY text escaping into a byte buffer, byte for byte what `CopyInWriter.append(_:)` writes for a
/// value (backslash, tab, newline, carriage return, vertical tab, backspace and form feed escaped).
enum CopyText {
    /// Appends `bytes` escaped to `out`; false (and nothing appended past the NUL) when they hold a NUL byte,
    /// which PostgreSQL text cannot store.
    @inline(__always)
    static func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) -> Bool {
        var start = 0
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            if byte > 13 && byte != 92 {
                index += 1
                continue
            }
            let replacement: UInt8
            switch byte {
            case 92: replacement = 92
            case 9: replacement = 116
            case 10: replacement = 110
            case 13: replacement = 114
            case 11: replacement = 118
            case 8: replacement = 98
            case 12: replacement = 102
            case 0: return false
            default:
                index += 1
                continue
            }
            if index > start { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index])) }
            out.append(92)
            out.append(replacement)
            index += 1
            start = index
        }
        if count > start { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<count])) }
        return true
    }

    /// `\N`, SQL NULL.
    @inline(__always)
    static func appendNull(to out: inout [UInt8]) {
        out.append(92)
        out.append(78)
    }

    /// An integer in decimal (what `String(value)` gives).
    static func appendInteger(_ value: Int, to out: inout [UInt8]) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of scratch, enough for 20 digits
        let count = withUnsafeMutableBytes(of: &digits) { scratch -> Int in
            var n = 0
            repeat {
                scratch[23 - n] = UInt8(truncatingIfNeeded: 48 + magnitude % 10)
                magnitude /= 10
                n += 1
            } while magnitude > 0
            return n
        }
        withUnsafeBytes(of: &digits) { scratch in
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[(24 - count)...]))
        }
    }

    /// Runs `body` over the UTF-8 bytes of `text` (made contiguous when it is not).
    @inline(__always)
    static func withUTF8<R>(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let result = text.utf8.withContiguousStorageIfAvailable(body) { return result }
        var copy = text
        copy.makeContiguousUTF8()
        return copy.utf8.withContiguousStorageIfAvailable(body) ?? Array(copy.utf8).withUnsafeBufferPointer(body)
    }
}
