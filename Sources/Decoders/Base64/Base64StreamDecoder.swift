/// Streaming base64 decoding (RFC 4648, standard alphabet); whitespace is ignored, groups may be split anywhere.
package struct Base64StreamDecoder {
    /// Thrown for a character outside the alphabet, data after padding, or a truncated group.
    package struct Invalid: Error {}

    private static let table: [UInt8] = {
        var t = [UInt8](repeating: 0xFF, count: 256)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        for (i, c) in alphabet.enumerated() { t[Int(c)] = UInt8(i) }
        for ws in [9, 10, 13, 32] { t[ws] = 0xFE }
        t[Int(UInt8(ascii: "="))] = 0xFD
        return t
    }()

    private var quad: UInt32 = 0
    private var count = 0
    private var padding = 0

    package mutating func decode(_ input: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) throws(Invalid) {
        let table = Self.table
        out.reserveCapacity(out.count + input.count * 3 / 4 + 3)
        for c in input {
            let v = table[Int(c)]
            if v == 0xFE { continue }
            if v == 0xFD {
                guard count >= 2 else { throw Invalid() }
                padding += 1
                count += 1
                if count == 4 { try flushPadded(into: &out) }
                continue
            }
            guard v < 64, padding == 0 else { throw Invalid() }
            quad = quad << 6 | UInt32(v)
            count += 1
            if count == 4 {
                out.append(UInt8(truncatingIfNeeded: quad >> 16))
                out.append(UInt8(truncatingIfNeeded: quad >> 8))
                out.append(UInt8(truncatingIfNeeded: quad))
                quad = 0
                count = 0
            }
        }
    }

    private mutating func flushPadded(into out: inout [UInt8]) throws(Invalid) {
        let data = quad << UInt32(6 * padding)
        out.append(UInt8(truncatingIfNeeded: data >> 16))
        if padding == 1 { out.append(UInt8(truncatingIfNeeded: data >> 8)) }
        guard padding <= 2 else { throw Invalid() }
        quad = 0
        count = 0
        padding = 3  // only whitespace may follow
    }

    /// Ends the text; accepts a final group without padding (2 or 3 characters), as some producers emit.
    package mutating func finish(into out: inout [UInt8]) throws(Invalid) {
        if padding == 3 || (padding == 0 && count == 0) { return }
        guard padding == 0, count >= 2 else { throw Invalid() }
        let data = quad << UInt32(6 * (4 - count))
        out.append(UInt8(truncatingIfNeeded: data >> 16))
        if count == 3 { out.append(UInt8(truncatingIfNeeded: data >> 8)) }
        quad = 0
        count = 0
    }
}
