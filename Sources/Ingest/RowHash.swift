/// The `_hash` of a staged row, computed by the client from the values it sends (COPY text form) and its `_extra`:
/// `v2:` and 32 hex digits of a 128-bit non-cryptographic hash. It detects change (an unchanged record is not
/// rewritten); it is not a pseudonym and not collision-resistant against an adversary.
///
/// Before, the server computed `md5(ROW(…)::text)` in the MERGE (2.3 s of server time per 1.4 M rows); rows staged
/// then keep their md5 hash, which the MERGE still recognises, so an upgrade does not rewrite them.
enum RowHash {
    /// Two 64-bit lanes over 8-byte words; each value is framed by its length (nil differs from "").
    struct Hasher {
        private var a: UInt64 = 0x243F_6A88_85A3_08D3
        private var b: UInt64 = 0x1319_8A2E_0370_7344

        @inline(__always)
        private mutating func word(_ w: UInt64) {
            let s = a ^ (w &* 0x9E37_79B9_7F4A_7C15)
            a = ((s &<< 31) | (s &>> 33)) &* 0xC2B2_AE3D_27D4_EB4F
            let t = b &+ (w &* 0x1656_67B1_9E37_79F9)
            b = (((t &<< 27) | (t &>> 37)) &* 0x27D4_EB2F_1656_67C5) ^ (a &>> 29)
        }

        mutating func combine(_ value: String?) {
            guard var text = value else {
                word(0xFFFF_FFFF_FFFF_FFFF)
                return
            }
            let done: Void? = text.utf8.withContiguousStorageIfAvailable { bytes in combine(bytes) }
            if done == nil {
                text.makeContiguousUTF8()
                text.utf8.withContiguousStorageIfAvailable { bytes in combine(bytes) }
            }
        }

        mutating func combine(_ value: Int) { word(UInt64(bitPattern: Int64(value))) }

        /// Combines SQL NULL (the same as `combine(nil as String?)`).
        mutating func combineNull() { word(0xFFFF_FFFF_FFFF_FFFF) }

        /// Combines a value given as its UTF-8 bytes (the same as `combine(_: String?)` of that string).
        mutating func combine(_ bytes: UnsafeBufferPointer<UInt8>) {
            word(UInt64(bytes.count))
            guard let base = bytes.baseAddress else { return }
            let raw = UnsafeRawPointer(base)
            var i = 0
            while i + 8 <= bytes.count {
                word(raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                i += 8
            }
            if i < bytes.count {
                var tail: UInt64 = 0
                for k in i..<bytes.count { tail |= UInt64(base[k]) << (8 * UInt64(k - i)) }
                word(tail)
            }
        }

        /// The two lanes, finalised (each depends on every word).
        func finish() -> (UInt64, UInt64) {
            (RowHash.avalanche(a ^ (b &>> 17)), RowHash.avalanche(b &+ a))
        }
    }

    static func avalanche(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z &>> 33)) &* 0xFF51_AFD7_ED55_8CCD
        z = (z ^ (z &>> 33)) &* 0xC4CE_B9FE_1A85_EC53
        return z ^ (z &>> 33)
    }

    /// `v2:` + 32 hex digits over `values` and `extra`.
    static func of(_ values: [String?], extra: String?) -> String {
        text(lanes(values, extra: extra))
    }

    /// `v2:` + the 32 hex digits of a finished hash.
    static func text(_ hash: (UInt64, UInt64)) -> String {
        "v2:" + hex(hash.0) + hex(hash.1)
    }

    /// The two lanes whose hex digits `of(_:extra:)` writes.
    static func lanes(_ values: [String?], extra: String?) -> (UInt64, UInt64) {
        var hasher = Hasher()
        for value in values { hasher.combine(value) }
        hasher.combine(extra)
        return hasher.finish()
    }

    /// Appends `v2:` and the 32 hex digits of a finished hash to `out` (the bytes of `of(_:extra:)`'s text).
    static func appendText(_ hash: (UInt64, UInt64), to out: inout [UInt8]) {
        out.append(UInt8(ascii: "v"))
        out.append(UInt8(ascii: "2"))
        out.append(UInt8(ascii: ":"))
        appendHex(hash.0, to: &out)
        appendHex(hash.1, to: &out)
    }

    /// 16 lower-case hex digits, zero-padded (as `hex(_:)`).
    private static func appendHex(_ lane: UInt64, to out: inout [UInt8]) {
        var shift: UInt64 = 64
        while shift > 0 {
            shift -= 4
            let nibble = UInt8(truncatingIfNeeded: (lane >> shift) & 0xF)
            out.append(nibble < 10 ? 48 + nibble : 87 + nibble)
        }
    }

    /// A hash of a record's key values (for the key filter of a first load).
    static func key(_ values: [String?]) -> (UInt64, UInt64) {
        var hasher = Hasher()
        for value in values { hasher.combine(value) }
        return hasher.finish()
    }

    private static func hex(_ x: UInt64) -> String {
        let digits = String(x, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
