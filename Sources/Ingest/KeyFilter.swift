/// A fixed-size Bloom filter of the keys a first load has sent straight to its staging table: a key it may have
/// seen goes through the MERGE instead (so a repeated key is never inserted twice, and the last record of a key
/// still wins). 8 MiB whatever the feed's size, so memory stays flat; a false positive only sends a new key the
/// slow way.
struct KeyFilter {
    private var bits: [UInt64]
    private let mask: UInt64

    /// `log2Bits` bits (default 2^26 = 8 MiB).
    init(log2Bits: Int = 26) {
        bits = [UInt64](repeating: 0, count: 1 << (log2Bits - 6))
        mask = (UInt64(1) << UInt64(log2Bits)) - 1
    }

    /// Adds a key; true when it may have been added before (false: certainly new).
    mutating func insert(_ hash: (UInt64, UInt64)) -> Bool {
        var present = true
        for k in 0..<4 as Range<UInt64> {
            let bit = (hash.0 &+ k &* hash.1) & mask
            let word = Int(bit >> 6)
            let flag = UInt64(1) << (bit & 63)
            if bits[word] & flag == 0 {
                present = false
                bits[word] |= flag
            }
        }
        return present
    }
}
