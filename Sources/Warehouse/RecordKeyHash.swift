/// `citypipe.rejects.record_key_hash`: a stable reference to a record's primary key (FNV-1a 64, hex), the same
/// whichever stage rejected it, so an operator can find the record again without its values in a message. It is
/// not a pseudonym.
public enum RecordKeyHash {
    /// The hash of a key's values, in key order (a null counts as a value of its own).
    public static func of(_ values: [String?]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for value in values {
            for byte in (value ?? "\u{0}NULL").utf8 {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01b3
            }
            hash ^= 0x1f
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
