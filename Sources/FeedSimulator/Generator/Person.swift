import Normalize

/// A deliberately malformed record, for the reject path of the ingest.
enum Malformation: Sendable, Equatable {
    /// `ngaySinh` is "31/02/YYYY": not a date.
    case badBirthDate
    /// `soDinhDanh` is missing (a required field).
    case missingCitizenID

    /// The manifest field the ingest must reject, and why.
    var field: String {
        switch self {
        case .badBirthDate: "birth_date"
        case .missingCitizenID: "citizen_id"
        }
    }

    var reason: String {
        switch self {
        case .badBirthDate: "not a date"
        case .missingCitizenID: "required field missing"
        }
    }
}

/// One version of one person as the population feed serves it, with the clean values behind it.
struct Person: Sendable {
    let index: Int
    /// The generation that wrote this version (0 = initial load).
    let version: Int
    /// As served; nil when the record is malformed by a missing id.
    let citizenID: String?
    /// The person's id even when the served record omits it.
    let trueCitizenID: String
    let name: String
    let canonicalName: String
    /// As served: ISO `yyyy-MM-dd`, or `dd/MM/yyyy` with an impossible day when malformed.
    let birthDate: String
    /// The real birth date, ISO.
    let trueBirthDate: String
    /// "1" male, "2" female.
    let sex: String
    let phone: String?
    let phoneE164: String?
    let wardCode: String?
    let address: String?
    /// The post-2025 ward the person lives in.
    let ward2025: String
    /// Seconds since 1970 (UTC).
    let updatedAt: Int64
    let malformation: Malformation?
}

/// Generates person `i` of a seed: a pure function of (seed, i, version), so memory does not grow with the
/// population.
struct PersonGenerator: Sendable {
    let seed: UInt64
    let geography: Geography
    /// Year, sex and serial of the CCCD: 85 birth years × 2 sexes × 10⁶ serials, one per index.
    let cccdBijection: AffineBijection
    /// The 7 digits after "12" of a legacy 9-digit CMND.
    let cmndBijection: AffineBijection
    /// The 8 digits after the province prefix of the social insurance number.
    let insuranceBijection: AffineBijection
    /// New mobile prefix (after the 0) → its pre-2018 11-digit form.
    let oldMobilePrefix: [String: String]

    static let firstBirthYear = 1940
    static let birthYears = 85
    static let mobilePrefixes = [
        "91", "94", "88", "98", "97", "96", "86", "83", "84", "85", "81", "82", "32", "33", "34", "35", "36", "37",
        "38", "39", "70", "76", "77", "78", "79", "56", "58", "59", "90", "93", "89",
    ]
    static let otherBirthProvinces = ["01", "19", "22", "26", "30", "33", "25", "36", "20", "35"]

    init(seed: UInt64, geography: Geography) {
        self.seed = seed
        self.geography = geography
        cccdBijection = AffineBijection(
            modulus: UInt64(Self.birthYears * 2 * 1_000_000), seed: seed, salt: Salt.bijection)
        cmndBijection = AffineBijection(modulus: 10_000_000, seed: seed, salt: Salt.bijection &+ 1)
        insuranceBijection = AffineBijection(modulus: 100_000_000, seed: seed, salt: Salt.bijection &+ 2)
        var old: [String: String] = [:]
        for (oldPrefix, newPrefix) in PhoneNormalizer.mobile2018 { old[newPrefix] = oldPrefix }
        oldMobilePrefix = old
    }

    /// Version `version` of person `index`, updated at `updatedAt`; `preReform` versions carry pre-2025 codes.
    func person(_ index: Int, version: Int, updatedAt: Int64, preReform: Bool) -> Person {
        let i = UInt64(index)
        var identity = self.identity(index)
        let year = identity.year
        let female = identity.female
        let id = identity.citizenID
        let month = identity.month
        let day = identity.day
        let surname = identity.rng.pick(NamePools.surnames)
        let middle = identity.rng.pick(female ? NamePools.femaleMiddle : NamePools.maleMiddle)
        let given = identity.rng.pick(female ? NamePools.femaleGiven : NamePools.maleGiven)
        let canonicalName = "\(surname.canonical) \(middle.canonical) \(given.canonical)"
        let styleDraw = identity.rng.unit()
        let name: String
        switch styleDraw {
        case ..<0.05: name = "\(surname.nfd) \(middle.nfd) \(given.nfd)"
        case ..<0.10: name = "\(surname.traditional) \(middle.traditional) \(given.traditional)"
        case ..<0.13: name = "\(surname.upper) \(middle.upper) \(given.upper)"
        case ..<0.14: name = "\(surname.canonical)  \(middle.canonical) \(given.canonical) "
        default: name = canonicalName
        }
        let birth = Digits.padded(year, width: 4) + "-" + Digits.padded(month, width: 2) + "-"
            + Digits.padded(day, width: 2)

        var malformation: Malformation? = nil
        if version == 0 {
            let m = Mix.unit(seed, Salt.malformed, i)
            if m < 0.001 { malformation = .badBirthDate } else if m < 0.0015 { malformation = .missingCitizenID }
        }

        // Contact details change with each version.
        var c = SplitMix64(seed: seed, salt: Salt.contact, i, UInt64(version))
        let ward = c.pick(geography.wards)
        let number = c.below(200) + 1
        let group = c.below(15) + 1
        let a = c.unit()
        let wardCode: String?
        let address: String?
        if preReform {
            let old = c.pick(ward.oldUnits)
            switch a {
            case ..<0.80:
                wardCode = old.code
                address = Geography.oldAddress(old, number: number, group: group, style: .full)
            case ..<0.90:
                wardCode = old.code
                address = Geography.oldAddress(old, number: number, group: group, style: .abbreviated)
            case ..<0.96:
                wardCode = nil
                address = Geography.oldAddress(old, number: number, group: group, style: .abbreviated)
            default:
                wardCode = nil
                address = Geography.oldAddress(old, number: number, group: group, style: .folded)
            }
        } else {
            switch a {
            case ..<0.93:
                wardCode = ward.code
                address = Geography.newAddress(ward, number: number, group: group, style: .full)
            case ..<0.97:
                wardCode = ward.code
                address = Geography.newAddress(ward, number: number, group: group, style: .abbreviated)
            case ..<0.99:
                wardCode = nil
                address = Geography.newAddress(ward, number: number, group: group, style: .abbreviated)
            default:
                wardCode = nil
                address = Geography.newAddress(ward, number: number, group: group, style: .folded)
            }
        }
        let phone: String?
        let e164: String?
        if c.unit() < 0.03 || year > 2011 {
            phone = nil
            e164 = nil
        } else {
            let prefix = c.pick(Self.mobilePrefixes)
            let subscriber = Digits.padded(c.below(10_000_000), width: 7)
            e164 = "+84" + prefix + subscriber
            let form = c.unit()
            if version == 0, form < 0.10, let old = oldMobilePrefix[prefix] {
                phone = "0" + old + subscriber
            } else if form > 0.97 {
                let all = "0" + prefix + subscriber
                phone = String(all.prefix(4)) + "." + String(all.dropFirst(4).prefix(3)) + "." + String(all.suffix(3))
            } else {
                phone = "0" + prefix + subscriber
            }
        }
        return Person(
            index: index, version: version,
            citizenID: malformation == .missingCitizenID ? nil : id, trueCitizenID: id,
            name: name, canonicalName: canonicalName,
            birthDate: malformation == .badBirthDate ? "31/02/" + Digits.padded(year, width: 4) : birth,
            trueBirthDate: birth, sex: female ? "2" : "1", phone: phone, phoneE164: e164,
            wardCode: wardCode, address: address, ward2025: ward.code, updatedAt: updatedAt,
            malformation: malformation)
    }

    /// The version-independent part of a person: id, birth date, sex, and the random stream that goes on to the
    /// name.
    struct Identity {
        let citizenID: String
        let year: Int
        let month: Int
        let day: Int
        let female: Bool
        var rng: SplitMix64
    }

    /// Person `index`'s identity (cheaper than `person`: no name, no address).
    func identity(_ index: Int) -> Identity {
        let i = UInt64(index)
        var rng = SplitMix64(seed: seed, salt: Salt.identity, i)
        let isCMND = rng.unit() < 0.01
        let x = cccdBijection.apply(i)
        let yearSex = Int(x / 1_000_000)
        let serial = Int(x % 1_000_000)
        let year = Self.firstBirthYear + yearSex / 2
        let female = yearSex % 2 == 1
        let p = rng.unit()
        let province = p < 0.45 ? "27" : p < 0.85 ? "24" : rng.pick(Self.otherBirthProvinces)
        let month = rng.below(12) + 1
        let day = rng.below(CivilDate.daysIn(month: month, year: year)) + 1
        let id: String
        if isCMND {
            id = "12" + Digits.padded(Int(cmndBijection.apply(i)), width: 7)
        } else {
            let centurySex = (year >= 2000 ? 2 : 0) + (female ? 1 : 0)
            id = "0" + province + String(centurySex) + Digits.padded(year % 100, width: 2)
                + Digits.padded(serial, width: 6)
        }
        return Identity(citizenID: id, year: year, month: month, day: day, female: female, rng: rng)
    }

    /// The birth year of person `index` (cheapest: no strings).
    func birthYear(_ index: Int) -> Int {
        Self.firstBirthYear + Int(cccdBijection.apply(UInt64(index)) / 1_000_000) / 2
    }

    /// The social insurance number (mã số BHXH) of person `index`: 10 digits, unique per person.
    func insuranceCode(_ index: Int) -> String {
        let prefix = Mix.unit(seed, Salt.insurance, UInt64(index), 7) < 0.5 ? "27" : "24"
        return prefix + Digits.padded(Int(insuranceBijection.apply(UInt64(index))), width: 8)
    }
}

/// Fixed-width decimal rendering without Foundation's formatters.
enum Digits {
    static func padded(_ value: Int, width: Int) -> String {
        let s = String(value)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}
