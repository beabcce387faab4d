/// A deliberately malformed labour record.
enum LabourMalformation: Sendable, Equatable {
    /// `soDinhDanh` missing (a required field).
    case missingCitizenID
    /// `ngayNopHoSo` is "31/02/yyyy".
    case badClaimDate

    var field: String { self == .missingCitizenID ? "citizen_id" : "claim_date" }
    var reason: String { self == .missingCitizenID ? "required field missing" : "not a date" }
}

/// One record of the labour feed: a job-seeker registration or an unemployment-benefit claim
/// (trợ cấp thất nghiệp) filed at the provincial employment service centre.
struct LabourRecord: Sendable {
    let index: Int
    /// "TCTN-2024-0000123" (benefit claim) or "TV-2024-0000124" (job seeker).
    let recordID: String
    /// `TCTN` (unemployment benefit) or `TIMVIEC` (job seeker).
    let kind: String
    let person: Int
    /// As served; nil when malformed.
    let citizenID: String?
    let trueCitizenID: String
    /// As the population feed writes it (NFD, old tone marks, upper case… like there).
    let name: String
    let residence: Residence
    let occupationCode: String
    let occupationName: String
    /// As served: `dd/MM/yyyy` (most offices) or ISO `yyyy-MM-dd`.
    let claimDate: String
    /// The claim date, ISO, even when malformed.
    let trueClaimDate: String
    /// Monthly benefit in VND (claims only).
    let monthlyBenefit: Int?
    /// Months of benefit (claims only).
    let benefitMonths: Int?
    let status: String
    /// Seconds since 1970: the cursor field, spread over 2024-01-01 … 2026-01-01 (+07:00).
    let updatedAt: Int64
    let malformation: LabourMalformation?
}

/// Generates the labour feed: about 5 % of the people a year file something, records in `updatedAt` order.
struct LabourGenerator: Sendable {
    let seed: UInt64
    let people: PersonGenerator
    let basePeople: Int
    let count: Int

    static let start = Spread.recentStart
    static let end = Timeline.initialEnd

    /// ISCO-08 based occupation codes of the Vietnamese occupation list (Decision 34/2020/QĐ-TTg).
    static let occupations: [(String, String)] = [
        ("8212", "Thợ lắp ráp thiết bị điện tử"), ("7531", "Thợ may"), ("9329", "Lao động giản đơn trong sản xuất"),
        ("8322", "Lái xe con, xe tải nhẹ"), ("5223", "Nhân viên bán hàng"), ("4110", "Nhân viên văn phòng"),
        ("7212", "Thợ hàn, thợ cắt kim loại"), ("7115", "Thợ mộc"), ("7411", "Thợ điện"), ("3313", "Kế toán viên"),
        ("9112", "Nhân viên vệ sinh"), ("8219", "Công nhân lắp ráp"), ("6121", "Chăn nuôi gia súc, gia cầm"),
        ("2512", "Lập trình viên phần mềm"), ("5120", "Đầu bếp"),
    ]
    static let statuses = ["Đã tiếp nhận", "Đã duyệt", "Đã duyệt", "Đã duyệt", "Đang hưởng", "Đã hưởng xong", "Từ chối"]

    init(seed: UInt64, people: PersonGenerator, basePeople: Int) {
        self.seed = seed
        self.people = people
        self.basePeople = basePeople
        count = max(20, basePeople / 10)
    }

    func time(_ k: Int) -> Int64 {
        Spread.time(k, of: count, start: Self.start, end: Self.end, seed: seed, salt: Salt.labour)
    }

    /// Records whose `updatedAt` is in `[from, before)`: a range of indices.
    func range(from: Int64?, before: Int64?) -> Range<Int> {
        let lo = from.map { t in Spread.first(atOrAfter: t, count: count, time: time) } ?? 0
        let hi = before.map { t in Spread.first(atOrAfter: t, count: count, time: time) } ?? count
        return lo..<max(lo, hi)
    }

    func record(_ k: Int) -> LabourRecord {
        var rng = SplitMix64(seed: seed, salt: Salt.labour, UInt64(k))
        // A person of working age (18–60 in the record's year); a few draws, then whoever came last.
        let updatedAt = time(k)
        let year = Spread.civil(updatedAt).0
        var person = rng.below(basePeople)
        for _ in 0..<8 {
            let age = year - people.birthYear(person)
            if age >= 18 && age <= 60 { break }
            person = rng.below(basePeople)
        }
        let served = people.person(person, version: 0, updatedAt: updatedAt, preReform: false)
        let residence = people.residence(person, at: updatedAt, salt: Salt.labour)
        let isClaim = rng.unit() < 0.55
        let occupation = rng.pick(Self.occupations)
        let claimTime = updatedAt - Int64(rng.below(10 * 86_400))
        let claimISO = Spread.iso(claimTime)
        let m = rng.unit()
        let malformation: LabourMalformation? = m < 0.001 ? .missingCitizenID : m < 0.003 ? .badClaimDate : nil
        let claimDate: String
        if malformation == .badClaimDate {
            claimDate = "31/02/" + Digits.padded(Spread.civil(claimTime).0, width: 4)
        } else {
            claimDate = rng.unit() < 0.6 ? Spread.dmy(claimTime) : claimISO
        }
        // 60 % of the last salary, capped at five regional minimum wages (4.96 M VND in region I since 7/2024).
        let salary = 4_000_000 + rng.below(16) * 500_000
        let benefit = min(salary * 6 / 10, 24_800_000)
        let prefix = isClaim ? "TCTN" : "TV"
        let id = prefix + "-" + String(year) + "-" + Digits.padded(k + 1, width: 7)
        return LabourRecord(
            index: k, recordID: id, kind: isClaim ? "TCTN" : "TIMVIEC", person: person,
            citizenID: malformation == .missingCitizenID ? nil : served.trueCitizenID,
            trueCitizenID: served.trueCitizenID, name: served.name, residence: residence,
            occupationCode: occupation.0, occupationName: occupation.1, claimDate: claimDate, trueClaimDate: claimISO,
            monthlyBenefit: isClaim ? benefit : nil, benefitMonths: isClaim ? 3 + rng.below(10) : nil,
            status: rng.pick(Self.statuses), updatedAt: updatedAt, malformation: malformation)
    }
}
