/// Digits of an identifier written with the usual separators (spaces, dots, hyphens, slashes, underscores), plus
/// the counts the normalisers need to explain a failure without quoting the value.
struct IdentifierDigits {
    var digits: [UInt8] = []
    /// Characters other than digits and separators.
    var others = 0

    init(_ input: String, keepingDash: Bool = false) {
        digits.reserveCapacity(16)
        for b in input.utf8 {
            switch b {
            case 0x30...0x39: digits.append(b)
            case 0x20, 0x09, 0x2E, 0x2F, 0x5F, 0x0A, 0x0D: continue
            case 0x2D: if keepingDash { digits.append(b) }
            default: others += 1
            }
        }
    }

    var string: String { String(decoding: digits, as: UTF8.self) }
}
