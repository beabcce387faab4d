/// A checked enterprise tax code (mã số thuế / mã số doanh nghiệp).
public struct TaxCode: Sendable, Hashable {
    /// The 10-digit code of the enterprise (the parent for a branch).
    public let parent: String
    /// The 3-digit branch suffix (001–999) of a dependent unit, nil for the enterprise itself.
    public let branch: String?

    /// `0100233488` or `0100233488-001`.
    public var canonical: String { branch.map { parent + "-" + $0 } ?? parent }
}

/// `vn_tax_code`: 10-digit tax codes with their check digit, and the 13-digit branch form `xxxxxxxxxx-yyy`.
///
/// The check digit (10th) follows from the first nine digits d1…d9 with weights 31, 29, 23, 19, 17, 13, 7, 5, 3:
/// `r = (Σ wᵢ·dᵢ) mod 11`, check = `10 − r`; `r = 0` would need a check digit of 10, so no valid code has such a
/// prefix (Circular 105/2020/TT-BTC; Decision 75/1998/QĐ-TCT). Verified on published codes:
/// 0100233488 (Σ = 167, r = 2, check 8) and 2300325764 (Samsung Electronics Vietnam, Bắc Ninh: Σ = 314, r = 6,
/// check 4). The branch form accepts `-`, a space or nothing between the parts; suffix 000 is refused.
public enum TaxCodeNormalizer {
    static let weights = [31, 29, 23, 19, 17, 13, 7, 5, 3]

    /// The check digit for nine digits (ASCII), or nil when no digit fits (remainder 0).
    ///
    /// Not generic: called from another module, a generic version was not specialised and looked up the metadata of
    /// its `zip` for every call (a third of the simulator's CPU while it wrote insurance files and tax payments).
    public static func checkDigit(_ nine: ArraySlice<UInt8>) -> Int? {
        var sum = 0
        for (w, d) in zip(weights, nine) { sum += w * Int(d &- 0x30) }
        let r = sum % 11
        return r == 0 ? nil : 10 - r
    }

    /// The check digit for nine digits (ASCII), or nil when no digit fits.
    public static func checkDigit(_ nine: [UInt8]) -> Int? { checkDigit(nine[...]) }

    /// Checks one code.
    public static func normalize(_ input: String) -> Result<TaxCode, NormalizationFailure> {
        let parsed = IdentifierDigits(input)
        if parsed.others > 0 {
            return .failure(.init(.invalidCharacters, "digits and an optional - before the branch suffix expected; found \(parsed.others) other character(s)"))
        }
        let d = parsed.digits
        guard d.count == 10 || d.count == 13 else {
            if d.isEmpty { return .failure(.init(.empty, "no digits")) }
            return .failure(.init(.invalidLength, "10 digits (or 13 with a branch suffix) expected, found \(d.count)"))
        }
        guard let check = checkDigit(d[0..<9]) else {
            return .failure(.init(.checksum, "the first nine digits give remainder 0, which no valid code has"))
        }
        guard check == Int(d[9] - 0x30) else {
            return .failure(.init(.checksum, "check digit (10th) does not match the first nine digits"))
        }
        let parent = String(decoding: d[0..<10], as: UTF8.self)
        if d.count == 13 {
            let branch = String(decoding: d[10..<13], as: UTF8.self)
            if branch == "000" { return .failure(.init(.outOfRange, "branch suffix must be 001–999")) }
            return .success(TaxCode(parent: parent, branch: branch))
        }
        return .success(TaxCode(parent: parent, branch: nil))
    }
}
