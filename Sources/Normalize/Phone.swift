/// A Vietnamese phone number in E.164.
public struct PhoneNumber: Sendable, Hashable {
    /// What kind of line the number is.
    public enum Kind: String, Sendable, Hashable {
        /// Mobile (03x, 05x, 07x, 08x, 09x).
        case mobile
        /// Fixed line (02x area codes since 2017).
        case landline
        /// 1800 (free) and 1900 (premium) service numbers.
        case service
    }

    /// `+84` followed by the national significant number, e.g. `+84912345678`, `+842223812345`.
    public let e164: String
    /// Mobile, landline or service.
    public let kind: Kind
    /// Conversions applied (2018 mobile prefix, 2017 area code, restored leading 0), never the number itself.
    public let notes: [String]
}

/// `vn_phone`: Vietnamese phone numbers to E.164.
///
/// Accepts `0…`, `+84…`, `84…`, `0084…`, `(+84) (0)…`, and a 9-digit mobile whose leading 0 a spreadsheet dropped;
/// spaces, dots, hyphens, slashes and parentheses are ignored. Converts the 11-digit mobile numbers retired in
/// 2018 (0162–0169 → 032–039; 0120 → 070, 0121 → 079, 0122 → 077, 0126 → 076, 0128 → 078; 0123 → 083,
/// 0124 → 084, 0125 → 085, 0127 → 081, 0129 → 082; 0186 → 056, 0188 → 058; 0199 → 059) and the landline area
/// codes changed in 2017 (Circular 15/2017/TT-BTTTT: all 63 provinces, e.g. Bắc Ninh 0241 → 0222, Bắc Giang
/// 0240 → 0204, Hà Nội 04 → 024, TP HCM 08 → 028).
///
/// A 9-digit number after the 0 that is both a current mobile number and an old landline (e.g. 038…, Nghệ An's
/// old 038) is read as mobile unless the record's as-of date is before 17 June 2017, the end of the landline
/// changeover.
public enum PhoneNormalizer {
    /// The 2018 conversion of 11-digit mobile numbers: old 3-digit prefix after the 0 → new 2-digit prefix.
    public static let mobile2018: [String: String] = [
        "162": "32", "163": "33", "164": "34", "165": "35", "166": "36", "167": "37", "168": "38", "169": "39",
        "120": "70", "121": "79", "122": "77", "126": "76", "128": "78",
        "123": "83", "124": "84", "125": "85", "127": "81", "129": "82",
        "186": "56", "188": "58", "199": "59",
    ]

    /// The 2017 landline area codes: old code after the 0 → new code after the 0 (Circular 15/2017/TT-BTTTT).
    public static let landline2017: [String: String] = [
        // North
        "4": "24", "31": "225", "320": "220", "321": "221", "350": "228", "351": "226", "36": "227", "30": "229",
        "241": "222", "240": "204", "211": "211", "210": "210", "218": "218", "219": "219", "33": "203",
        "25": "205", "26": "206", "27": "207", "280": "208", "281": "209", "22": "212", "231": "213", "20": "214",
        "230": "215", "29": "216",
        // Centre
        "37": "237", "38": "238", "39": "239", "52": "232", "53": "233", "54": "234", "510": "235", "511": "236",
        "55": "255", "56": "256", "57": "257", "58": "258", "68": "259", "62": "252", "60": "260", "501": "261",
        "500": "262", "63": "263", "59": "269",
        // South
        "8": "28", "61": "251", "64": "254", "650": "274", "651": "271", "66": "276", "72": "272", "73": "273",
        "75": "275", "74": "294", "70": "270", "67": "277", "76": "296", "77": "297", "710": "292", "711": "293",
        "79": "299", "781": "291", "780": "290",
    ]

    /// Area codes in use since 2017 (after the 0).
    public static let areaCodes: Set<String> = Set(landline2017.values)

    /// Whether a 9-digit national number starts with a mobile prefix in use (032–039, 052, 055, 056, 058, 059,
    /// 070, 076–079, 081–089, 090–099).
    static func isMobile(_ a: UInt8, _ b: UInt8) -> Bool {
        switch (a, b) {
        case (0x33, 0x32...0x39), (0x35, 0x32), (0x35, 0x35), (0x35, 0x36), (0x35, 0x38), (0x35, 0x39),
            (0x37, 0x30), (0x37, 0x36...0x39), (0x38, 0x31...0x39), (0x39, _):
            return true
        default:
            return false
        }
    }

    /// 17 June 2017: the old landline area codes stopped working.
    static let landlineSwitch = CivilDate(daysSince1970: 17_334)

    /// Normalises one number; `asOf` (the record's date) decides the rare numbers valid in both numbering plans.
    public static func normalize(_ input: String, asOf: CivilDate? = nil) -> Result<PhoneNumber, NormalizationFailure> {
        var d: [UInt8] = []
        d.reserveCapacity(16)
        var plus = false
        var others = 0
        for b in input.utf8 {
            switch b {
            case 0x30...0x39: d.append(b)
            case 0x2B: if d.isEmpty { plus = true } else { others += 1 }
            case 0x20, 0x09, 0x2E, 0x2D, 0x28, 0x29, 0x2F: continue
            default: others += 1
            }
        }
        if others > 0 {
            return .failure(.init(.invalidCharacters, "digits expected; found \(others) other character(s)"))
        }
        if d.isEmpty { return .failure(.init(.empty, "no digits")) }
        var notes: [String] = []
        var nsn: ArraySlice<UInt8> = d[...]
        if plus {
            guard nsn.starts(with: [0x38, 0x34]) else {
                return .failure(.init(.outOfRange, "country code other than +84"))
            }
            nsn = nsn.dropFirst(2)
            if nsn.first == 0x30 { nsn = nsn.dropFirst(); notes.append("trunk 0 after +84 removed") }
        } else if nsn.starts(with: [0x30, 0x30]) {
            guard nsn.starts(with: [0x30, 0x30, 0x38, 0x34]) else {
                return .failure(.init(.outOfRange, "international prefix 00 with a country code other than 84"))
            }
            nsn = nsn.dropFirst(4)
            if nsn.first == 0x30 { nsn = nsn.dropFirst() }
        } else if nsn.first == 0x30 {
            nsn = nsn.dropFirst()
        } else if nsn.starts(with: [0x38, 0x34]) && (nsn.count == 11 || nsn.count == 12) {
            nsn = nsn.dropFirst(2)
            notes.append("country code 84 without +")
        } else if nsn.starts(with: Array("1800".utf8)) || nsn.starts(with: Array("1900".utf8)) {
            // service numbers are dialled without a 0
        } else if nsn.count == 9 && isMobile(nsn[nsn.startIndex], nsn[nsn.startIndex + 1]) {
            notes.append("leading 0 restored")
        } else {
            return .failure(.init(.invalidFormat, "a number starting with 0, +84 or 0084 expected"))
        }
        let n = Array(nsn)
        guard n.count >= 8 else {
            return .failure(.init(.invalidLength, "9 digits (mobile) or 10 digits (landline) after the 0 expected, found \(n.count)"))
        }
        func result(_ digits: [UInt8], _ kind: PhoneNumber.Kind) -> Result<PhoneNumber, NormalizationFailure> {
            var bytes: [UInt8] = [0x2B, 0x38, 0x34]
            bytes.append(contentsOf: digits)
            return .success(PhoneNumber(e164: String(decoding: bytes, as: UTF8.self), kind: kind, notes: notes))
        }
        // Service numbers 1800/1900 + 4 or 6 digits.
        if n[0] == 0x31 && (n[1] == 0x38 || n[1] == 0x39) && n[2] == 0x30 && n[3] == 0x30 {
            guard n.count == 8 || n.count == 10 else {
                return .failure(.init(.invalidLength, "1800/1900 numbers have 8 or 10 digits, found \(n.count)"))
            }
            return result(n, .service)
        }
        // Retired 11-digit mobiles.
        if n[0] == 0x31 {
            guard n.count == 10 else {
                return .failure(.init(.invalidLength, "old 01xx mobile numbers have 11 digits with the 0, found \(n.count + 1)"))
            }
            let old = String(decoding: n[0..<3], as: UTF8.self)
            guard let new = mobile2018[old] else {
                return .failure(.init(.notFound, "01xx prefix not in the 2018 conversion table"))
            }
            notes.append("2018 mobile prefix 0\(old) → 0\(new)")
            return result(Array(new.utf8) + n[3...], .mobile)
        }
        let oldPlan = asOf.map { $0 < landlineSwitch } ?? false
        if n.count == 9 && isMobile(n[0], n[1]) && !(oldPlan && oldLandline(n) != nil) {
            return result(n, .mobile)
        }
        if n.count == 10 && n[0] == 0x32 {
            let two = String(decoding: n[0..<2], as: UTF8.self)
            let three = String(decoding: n[0..<3], as: UTF8.self)
            // 024/028 subscribers never start with 0 or 1: 0240, 0241, 0280, 0281 are old area codes.
            if two == "24" || two == "28" {
                if n[2] >= 0x32 { return result(n, .landline) }
            } else if areaCodes.contains(three) {
                return result(n, .landline)
            }
        }
        if let converted = oldLandline(n) {
            notes.append("2017 area code 0\(converted.old) → 0\(converted.new)")
            return result(converted.digits, .landline)
        }
        if n.count == 9 || n.count == 10 {
            return .failure(.init(.notFound, "prefix is neither a mobile prefix nor an area code"))
        }
        return .failure(.init(.invalidLength, "9 digits (mobile) or 10 digits (landline) after the 0 expected, found \(n.count)"))
    }

    /// An old (pre-2017) landline: longest matching old area code whose new code gives 10 digits.
    static func oldLandline(_ n: [UInt8]) -> (old: String, new: String, digits: [UInt8])? {
        for len in stride(from: 3, through: 1, by: -1) where n.count > len {
            let old = String(decoding: n[0..<len], as: UTF8.self)
            if let new = landline2017[old], new.utf8.count + n.count - len == 10 {
                return (old, new, Array(new.utf8) + n[len...])
            }
        }
        return nil
    }
}
