/// The sex recorded for a person (as encoded in the CCCD century/sex digit).
public enum Sex: String, Sendable, Hashable {
    /// Nam.
    case male = "M"
    /// Nữ.
    case female = "F"
}

/// A checked Vietnamese citizen identity number.
public struct CitizenID: Sendable, Hashable {
    /// Which document the number belongs to.
    public enum Kind: String, Sendable, Hashable {
        /// 12-digit Căn cước công dân / Căn cước (since 2016; also the 12-digit CMND of 2012–2016).
        case cccd
        /// 9-digit Chứng minh nhân dân (legacy; kept as is, never turned into a CCCD).
        case cmnd
    }

    /// The digits, separators removed.
    public let digits: String
    /// CCCD or CMND.
    public let kind: Kind
    /// For a CCCD: the pre-2025 province-of-birth code (two digits, e.g. "27" Bắc Ninh).
    public let provinceCode: String?
    /// For a CCCD: the sex encoded in the fourth digit.
    public let sex: Sex?
    /// For a CCCD: the birth year encoded in digits 4–6.
    public let birthYear: Int?
}

/// `vn_citizen_id`: 12-digit CCCD and 9-digit CMND.
///
/// CCCD layout (Circular 07/2016/TT-BCA, then 59/2021/TT-BCA): digits 1–3 are the place-of-birth code, `0` + one of
/// the 63 pre-2025 province codes (001 Hà Nội, 024 Bắc Giang, 027 Bắc Ninh, 079 TP Hồ Chí Minh…); digit 4 is
/// century and sex (0/1 1900s male/female, 2/3 2000s, 4/5 2100s, 6/7 2200s, 8/9 1800s); digits 5–6 are the last
/// two digits of the birth year; digits 7–12 are a serial. When the record's birth date or sex is given it must
/// agree. Spaces, dots, hyphens and slashes are removed. Reasons never quote the digits.
public enum CitizenIDNormalizer {
    /// The 63 province codes of 2004–2025 (GSO), which the CCCD place-of-birth field uses.
    public static let provinceCodes: Set<String> = [
        "01", "02", "04", "06", "08", "10", "11", "12", "14", "15", "17", "19", "20", "22", "24", "25", "26", "27",
        "30", "31", "33", "34", "35", "36", "37", "38", "40", "42", "44", "45", "46", "48", "49", "51", "52", "54",
        "56", "58", "60", "62", "64", "66", "67", "68", "70", "72", "74", "75", "77", "79", "80", "82", "83", "84",
        "86", "87", "89", "91", "92", "93", "94", "95", "96",
    ]

    /// Checks one number, against the record's birth date and sex when known.
    public static func normalize(_ input: String, birthDate: CivilDate? = nil, sex: Sex? = nil)
        -> Result<CitizenID, NormalizationFailure>
    {
        let parsed = IdentifierDigits(input)
        if parsed.others > 0 {
            return .failure(.init(.invalidCharacters, "digits expected; found \(parsed.others) other character(s)"))
        }
        let d = parsed.digits
        switch d.count {
        case 0:
            return .failure(.init(.empty, "no digits"))
        case 9:
            return .success(CitizenID(digits: parsed.string, kind: .cmnd, provinceCode: nil, sex: nil, birthYear: nil))
        case 12:
            break
        default:
            return .failure(
                .init(.invalidLength, "12 digits (CCCD) or 9 digits (CMND) expected, found \(d.count)"))
        }
        let province = String(decoding: d[1...2], as: UTF8.self)
        guard d[0] == 0x30, provinceCodes.contains(province) else {
            return .failure(.init(.outOfRange, "the first 3 digits are not a province-of-birth code (0 + one of the 63 province codes)"))
        }
        let centurySex = Int(d[3] - 0x30)
        let century: Int
        switch centurySex / 2 {
        case 0: century = 1900
        case 1: century = 2000
        case 2: century = 2100
        case 3: century = 2200
        default: century = 1800
        }
        let encodedSex: Sex = centurySex % 2 == 0 ? .male : .female
        let year = century + Int(d[4] - 0x30) * 10 + Int(d[5] - 0x30)
        if let birthDate, birthDate.year != year {
            if birthDate.year % 100 == year % 100 {
                return .failure(.init(.mismatch, "the century digit (4th) disagrees with the record's birth year"))
            }
            return .failure(.init(.mismatch, "the birth year in digits 5–6 disagrees with the record's birth date"))
        }
        if let sex, sex != encodedSex {
            return .failure(.init(.mismatch, "the sex digit (4th) disagrees with the record's sex"))
        }
        return .success(
            CitizenID(digits: parsed.string, kind: .cccd, provinceCode: province, sex: encodedSex, birthYear: year))
    }
}
