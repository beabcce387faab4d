/// Streaming UTF-16 → UTF-8 transcoding; code units and surrogate pairs may be split across chunks.
/// Unpaired surrogates become U+FFFD.
package struct UTF16Transcoder {
    package let bigEndian: Bool
    private var oddByte: UInt8?
    private var highSurrogate: UInt16?

    package init(bigEndian: Bool) { self.bigEndian = bigEndian }

    /// Transcodes `input`, appending UTF-8 to `out`.
    package mutating func transcode(_ input: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        out.reserveCapacity(out.count + input.count * 3 / 2 + 4)
        var i = 0
        if let first = oddByte, input.count > 0 {
            oddByte = nil
            push(unit(first, input[0]), into: &out)
            i = 1
        }
        while i + 1 < input.count {
            push(unit(input[i], input[i + 1]), into: &out)
            i += 2
        }
        if i < input.count { oddByte = input[i] }
    }

    /// Flushes at end of stream: a dangling byte or surrogate becomes U+FFFD.
    package mutating func finish(into out: inout [UInt8]) {
        if highSurrogate != nil || oddByte != nil { appendScalar(0xFFFD, into: &out) }
        highSurrogate = nil
        oddByte = nil
    }

    private func unit(_ a: UInt8, _ b: UInt8) -> UInt16 {
        bigEndian ? UInt16(a) << 8 | UInt16(b) : UInt16(b) << 8 | UInt16(a)
    }

    private mutating func push(_ u: UInt16, into out: inout [UInt8]) {
        if let high = highSurrogate {
            highSurrogate = nil
            if u >= 0xDC00 && u <= 0xDFFF {
                let scalar = 0x10000 + ((UInt32(high) - 0xD800) << 10) + (UInt32(u) - 0xDC00)
                appendScalar(scalar, into: &out)
                return
            }
            appendScalar(0xFFFD, into: &out)
        }
        if u >= 0xD800 && u <= 0xDBFF {
            highSurrogate = u
        } else if u >= 0xDC00 && u <= 0xDFFF {
            appendScalar(0xFFFD, into: &out)
        } else {
            appendScalar(UInt32(u), into: &out)
        }
    }

    private func appendScalar(_ v: UInt32, into out: inout [UInt8]) {
        switch v {
        case 0..<0x80:
            out.append(UInt8(v))
        case 0x80..<0x800:
            out.append(0xC0 | UInt8(v >> 6))
            out.append(0x80 | UInt8(v & 0x3F))
        case 0x800..<0x10000:
            out.append(0xE0 | UInt8(v >> 12))
            out.append(0x80 | UInt8((v >> 6) & 0x3F))
            out.append(0x80 | UInt8(v & 0x3F))
        default:
            out.append(0xF0 | UInt8(v >> 18))
            out.append(0x80 | UInt8((v >> 12) & 0x3F))
            out.append(0x80 | UInt8((v >> 6) & 0x3F))
            out.append(0x80 | UInt8(v & 0x3F))
        }
    }
}
