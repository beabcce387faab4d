/// A health facility (cơ sở khám chữa bệnh) with its 5-digit BHYT code.
struct Facility: Sendable {
    let code: String
    let name: String
    /// The post-2025 ward it stands in, for commune health stations.
    let ward: String?
}

/// A deliberately malformed health-insurance claim.
enum ClaimMalformation: Sendable, Equatable {
    /// `MA_LK` empty (a required field).
    case missingClaimID
    /// `NGAY_VAO` on 30 February.
    case badAdmission
    /// The XML1 file's base64 content is damaged: the whole HOSO is one reject.
    case damagedFile

    var field: String {
        switch self {
        case .missingClaimID: "claim_id"
        case .badAdmission: "admitted_at"
        case .damagedFile: ""
        }
    }

    var reason: String {
        switch self {
        case .missingClaimID: "required field missing"
        case .badAdmission: "not a timestamp"
        case .damagedFile: "embedded document is not valid base64"
        }
    }
}

/// One visit (hồ sơ KCB) as its XML1 summary (TONG_HOP, Decision 130/QĐ-BYT as amended by 4750/QĐ-BYT) holds it.
struct HealthClaim: Sendable {
    let index: Int
    /// MA_LK as served ("" when malformed); `trueClaimID` always.
    let claimID: String
    let trueClaimID: String
    let person: Int
    /// SO_CCCD; nil when the facility did not record it (young children, 5 %).
    let citizenID: String?
    /// The person's ID even when the claim omits it (for the linkage truth).
    let trueCitizenID: String
    let name: String
    /// yyyyMMdd
    let birthDate: String
    /// "1" male, "2" female.
    let sex: String
    let residence: Residence
    /// MA_THE_BHYT: object code, benefit level, province, 10-digit social insurance number.
    let card: String
    let icd10: String
    let diagnosis: String
    /// "01" outpatient, "03" inpatient.
    let encounterType: String
    let admittedAt: Int64
    let dischargedAt: Int64
    let facility: Facility
    /// T_TONGCHI_BV and T_BHTT, VND.
    let totalCost: Int
    let insurancePaid: Int
    let hasDrugList: Bool
    let malformation: ClaimMalformation?

    /// NGAY_VAO as served (yyyyMMddHHmm; 30 February when malformed).
    var admittedText: String {
        let text = Spread.compact(admittedAt)
        guard malformation == .badAdmission else { return text }
        return String(text.prefix(4)) + "0230" + String(text.suffix(4))
    }
}

/// Generates the health-insurance claims: about 0.25 visits per person a year, 2024-01-01 … 2026-01-01, in
/// discharge order (NGAY_RA), each at a provincial hospital or the patient's commune health station; an advance
/// with months adds that many months of claims after 2026-01-01 at the same rate (`extended(months:)`).
struct HealthClaimGenerator: Sendable {
    let seed: UInt64
    let people: PersonGenerator
    let basePeople: Int
    /// Claims of the initial two years.
    let count: Int
    let facilities: [Facility]
    let hospitals: Int
    /// Claims of the months added after `end`, and the end of the last of them.
    private(set) var addedCount = 0
    private(set) var addedEnd = Timeline.initialEnd

    /// Every claim served: the initial ones, then the added months'.
    var total: Int { count + addedCount }

    static let start = Spread.recentStart
    static let end = Timeline.initialEnd

    static let hospitalList: [(String, String)] = [
        ("27001", "Bệnh viện Đa khoa tỉnh Bắc Ninh"), ("27002", "Bệnh viện Sản Nhi Bắc Ninh"),
        ("27003", "Bệnh viện Y học cổ truyền Bắc Ninh"), ("27011", "Trung tâm Y tế thị xã Từ Sơn"),
        ("27012", "Trung tâm Y tế huyện Yên Phong"), ("27013", "Trung tâm Y tế huyện Quế Võ"),
        ("24001", "Bệnh viện Đa khoa tỉnh Bắc Giang"), ("24002", "Bệnh viện Sản Nhi Bắc Giang"),
        ("24011", "Trung tâm Y tế huyện Lục Nam"), ("24012", "Trung tâm Y tế huyện Hiệp Hoà"),
        ("24013", "Trung tâm Y tế huyện Lạng Giang"),
    ]

    static let diagnoses: [(String, String)] = [
        ("J06.9", "Nhiễm trùng đường hô hấp trên cấp"), ("I10", "Tăng huyết áp vô căn"),
        ("E11", "Bệnh đái tháo đường không phụ thuộc insulin"), ("K29.7", "Viêm dạ dày, không đặc hiệu"),
        ("M54.5", "Đau vùng thắt lưng"), ("J20.9", "Viêm phế quản cấp"), ("A09", "Tiêu chảy và viêm dạ dày ruột"),
        ("N39.0", "Nhiễm trùng đường tiết niệu"), ("J45.9", "Hen phế quản"), ("I63.9", "Nhồi máu não"),
        ("O80", "Đẻ thường một thai"), ("S52.5", "Gãy đầu dưới xương quay"), ("K35.8", "Viêm ruột thừa cấp"),
        ("H10.9", "Viêm kết mạc"), ("L30.9", "Viêm da, không đặc hiệu"),
    ]

    init(seed: UInt64, people: PersonGenerator, basePeople: Int) {
        self.seed = seed
        self.people = people
        self.basePeople = basePeople
        count = max(30, basePeople / 2)
        var facilities = Self.hospitalList.map { Facility(code: $0.0, name: $0.1, ward: nil) }
        hospitals = facilities.count
        for (k, ward) in people.geography.wards.enumerated() {
            facilities.append(
                Facility(code: "24" + Digits.padded(100 + k, width: 3), name: "Trạm Y tế " + ward.name, ward: ward.code))
        }
        self.facilities = facilities
    }

    /// Claims of one added month: as many as a month of the initial two years had on average.
    var perMonth: Int { max(1, count / 24) }

    /// The generator with `months` calendar months of claims added after 2026-01-01. Each month is a block of
    /// `perMonth` claims spread over that month only, so adding a month leaves the claims of the months before as
    /// they were (a source does not re-time the visits it already sent).
    func extended(months: Int) -> HealthClaimGenerator {
        guard months > 0 else { return self }
        var copy = self
        copy.addedCount = perMonth * months
        copy.addedEnd = Self.monthStart(months)
        return copy
    }

    /// The start (+07:00) of the added month `index` (0: January 2026).
    static func monthStart(_ index: Int) -> Int64 {
        let month = Period(year: 2026, month: 1).adding(months: index)
        return Int64(Timestamps.days(year: month.year, month: month.month, day: 1)) * 86_400 - Timestamps.offset
    }

    func time(_ k: Int) -> Int64 {
        guard k >= count else { return Spread.time(k, of: count, start: Self.start, end: Self.end, seed: seed, salt: Salt.health) }
        let (month, index) = (k - count).quotientAndRemainder(dividingBy: perMonth)
        return Spread.time(
            index, of: perMonth, start: Self.monthStart(month), end: Self.monthStart(month + 1), seed: seed,
            salt: Salt.health &+ 1 &+ UInt64(month))
    }

    /// Claims discharged in `[from, before)`.
    func range(from: Int64?, before: Int64?) -> Range<Int> {
        let lo = from.map { t in Spread.first(atOrAfter: t, count: total, time: time) } ?? 0
        let hi = before.map { t in Spread.first(atOrAfter: t, count: total, time: time) } ?? total
        return lo..<max(lo, hi)
    }

    func claim(_ k: Int) -> HealthClaim {
        var rng = SplitMix64(seed: seed, salt: Salt.health, UInt64(k))
        // Decision 130 writes times to the minute.
        let discharged = time(k) / 60 * 60
        let person = rng.below(basePeople)
        let served = people.person(person, version: 0, updatedAt: discharged, preReform: false)
        let residence = people.residence(person, at: discharged, salt: Salt.health)
        let age = Spread.civil(discharged).0 - people.birthYear(person)
        let inpatient = rng.unit() < 0.12
        let admitted = inpatient
            ? discharged - Int64(1 + rng.below(10)) * 86_400 - Int64(rng.below(12 * 60)) * 60
            : discharged - Int64(15 + rng.below(4 * 60)) * 60
        let atHospital = inpatient || rng.unit() < 0.4
        let facility = atHospital
            ? facilities[rng.below(hospitals)]
            : facilities[hospitals + people.wardIndex(person)]
        let diagnosis = rng.pick(Self.diagnoses)
        let insurance = people.insuranceCode(person)
        let object: String
        if age < 6 { object = "TE1" }
        else if age >= 60 { object = rng.unit() < 0.5 ? "HT3" : "GD4" }
        else {
            let o = rng.unit()
            object = o < 0.5 ? "DN4" : o < 0.9 ? "GD4" : o < 0.95 ? "HN1" : "CN3"
        }
        let total = inpatient ? (2_000 + rng.below(30_000)) * 1_000 : (80 + rng.below(900)) * 1_000
        let share = object.hasSuffix("1") ? 100 : object.hasSuffix("2") || object.hasSuffix("3") ? 95 : 80
        let m = rng.unit()
        let malformation: ClaimMalformation? =
            m < 0.001 ? .missingClaimID : m < 0.003 ? .badAdmission : m < 0.0035 ? .damagedFile : nil
        let (y, mo, d) = Spread.civil(discharged)
        let id = facility.code + Digits.padded(y % 100, width: 2) + Digits.padded(mo, width: 2) + Digits.padded(d, width: 2)
            + "-" + Digits.padded(k + 1, width: 7)
        let birth = served.trueBirthDate.replacingOccurrences(of: "-", with: "")
        return HealthClaim(
            index: k, claimID: malformation == .missingClaimID ? "" : id, trueClaimID: id, person: person,
            citizenID: age < 14 && rng.unit() < 0.3 ? nil : served.trueCitizenID, trueCitizenID: served.trueCitizenID,
            name: served.name,
            birthDate: birth, sex: served.sex, residence: residence,
            card: object + insurance.prefix(2) + insurance, icd10: diagnosis.0, diagnosis: diagnosis.1,
            encounterType: inpatient ? "03" : "01", admittedAt: admitted, dischargedAt: discharged, facility: facility,
            totalCost: total, insurancePaid: total / 100 * share, hasDrugList: rng.unit() < 0.3,
            malformation: malformation)
    }
}
