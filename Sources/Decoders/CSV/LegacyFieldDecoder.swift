import Normalize

/// Decodes legacy single-byte CSV fields (TCVN3, VNI, Windows-1258) to Unicode with Normalize's decoder, through a
/// byte → UTF-8 table built from that same decoder. Bytes whose meaning depends on their neighbour (combining
/// tone bytes, VNI marks: found by checking whether `"a" + byte` decodes differently from `"a"` then the byte
/// alone) send the field to `LegacyTextNormalizer.decode(bytes:from:)`, so the output is identical either way; the
/// table only makes the common case about ten times faster.
package struct LegacyFieldDecoder: Sendable {
    package let encoding: LegacyEncoding
    private let utf8: [[UInt8]]
    private let contextual: [Bool]

    package init(encoding: LegacyEncoding) {
        self.encoding = encoding
        var utf8: [[UInt8]] = []
        var contextual: [Bool] = []
        utf8.reserveCapacity(256)
        contextual.reserveCapacity(256)
        for b in 0...255 {
            let byte = UInt8(b)
            let alone = LegacyTextNormalizer.decode(bytes: [byte], from: encoding)
            let paired = LegacyTextNormalizer.decode(bytes: [UInt8(ascii: "a"), byte], from: encoding)
            utf8.append(Array(alone.utf8))
            // Compare bytes: String equality is canonical equivalence, which would hide a composition.
            contextual.append(byte >= 0x80 && Array(paired.utf8) != [UInt8(ascii: "a")] + Array(alone.utf8))
        }
        self.utf8 = utf8
        self.contextual = contextual
    }

    /// The Unicode (NFC) text of a legacy-encoded field.
    package func decode(_ field: UnsafeBufferPointer<UInt8>) -> String {
        var high = false
        for b in field where b >= 0x80 {
            if contextual[Int(b)] { return LegacyTextNormalizer.decode(bytes: Array(field), from: encoding) }
            high = true
        }
        if !high { return String(decoding: field, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(field.count * 3)
        for b in field {
            if b < 0x80 { out.append(b) } else { out.append(contentsOf: utf8[Int(b)]) }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
