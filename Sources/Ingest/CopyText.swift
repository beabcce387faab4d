import Foundation
import Postgres

/// COPY text values written into a byte buffer, byte for byte what `CopyInWriter.append(_:)` writes for a value
/// (the escaping is `Postgres.CopyTextEscaping`'s).
enum CopyText {
    /// Appends `bytes` escaped to `out`; false (and nothing appended past the NUL) when they hold a NUL byte,
    /// which PostgreSQL text cannot store.
    @inline(__always)
    static func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) -> Bool {
        CopyTextEscaping.append(UnsafeRawBufferPointer(bytes), to: &out)
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
