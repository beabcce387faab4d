/// Fast UTF-8 validation (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF). ASCII runs are skipped
/// eight bytes at a time, so the check costs little on Vietnamese CSV, where most bytes are ASCII.
package enum UTF8Validator {
    /// The offset of the first byte of the first invalid sequence, or nil when `p` is valid UTF-8.
    package static func firstInvalidOffset(_ p: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let base = p.baseAddress else { return nil }
        let raw = UnsafeRawPointer(base)
        let n = p.count
        var i = 0
        while i < n {
            if i + 8 <= n && raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                i += 8
                continue
            }
            let b = base[i]
            if b < 0x80 {
                i += 1
            } else if b < 0xC2 {
                return i
            } else if b < 0xE0 {
                guard i + 1 < n, base[i + 1] & 0xC0 == 0x80 else { return i }
                i += 2
            } else if b < 0xF0 {
                guard i + 2 < n else { return i }
                let b1 = base[i + 1], b2 = base[i + 2]
                guard b1 & 0xC0 == 0x80, b2 & 0xC0 == 0x80 else { return i }
                if (b == 0xE0 && b1 < 0xA0) || (b == 0xED && b1 > 0x9F) { return i }
                i += 3
            } else if b < 0xF5 {
                guard i + 3 < n else { return i }
                let b1 = base[i + 1], b2 = base[i + 2], b3 = base[i + 3]
                guard b1 & 0xC0 == 0x80, b2 & 0xC0 == 0x80, b3 & 0xC0 == 0x80 else { return i }
                if (b == 0xF0 && b1 < 0x90) || (b == 0xF4 && b1 > 0x8F) { return i }
                i += 4
            } else {
                return i
            }
        }
        return nil
    }
}
