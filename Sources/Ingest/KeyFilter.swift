/// A fixed-size (blocked) Bloom filter of the keys a first load has sent straight to its staging table: a key it may have
/// seen goes through the MERGE instead (so a repeated key is never inserted twice, and the last record of a key
/// still wins). 8 MiB whatever the feed's size, so memory stays flat; a false positive only sends a new key the
/// slow way.
struct KeyFilter {
    private var bits: [UInt64]
    private let mask: UInt64

    /// `log2Bits` bits (default 2^26 = 8 MiB; at least one 512-bit block).
    init(log2Bits requested: Int = 26) {
        let log2Bits = max(requested, 9)
        bits = [UInt64](repeating: 0, count: 1 << (log2Bits - 6))
        mask = (UInt64(1) << UInt64(log2Bits)) - 1
    }

    /// Adds a key; true when it may have been added before (false: certainly new). The key's four bits are in
    /// one 512-bit block (one cache line): one memory miss per key instead of four.
    mutating func insert(_ hash: (UInt64, UInt64)) -> Bool {
        let block = Int((hash.0 & mask) >> 9) << 3
        var present = true
        var h = hash.1
        for _ in 0..<4 {
            let bit = Int(h & 511)
            h >>= 9
            let word = block + (bit >> 6)
            let flag = UInt64(1) << UInt64(bit & 63)
            if bits[word] & flag == 0 {
                present = false
                bits[word] |= flag
            }
        }
        return present
    }
}
