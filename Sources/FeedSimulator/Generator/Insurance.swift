/// A month of coverage, `yyyy-MM`.
struct Period: Sendable, Hashable, Comparable {
    let year: Int
    let month: Int

    /// Parses `yyyy-MM`.
    init?(_ text: Substring) {
        let parts = text.split(separator: "-")
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2, let y = Int(parts[0]), let m = Int(parts[1]),
            (1...12).contains(m), y >= 1900
        else { return nil }
        year = y
        month = m
    }

    init(year: Int, month: Int) {
        self.year = year
        self.month = month
    }

    var text: String { Digits.padded(year, width: 4) + "-" + Digits.padded(month, width: 2) }
    var ordinal: Int { year * 12 + month - 1 }

    /// The month `months` later.
    func adding(months: Int) -> Period {
        let target = ordinal + months
        return Period(year: target / 12, month: target % 12 + 1)
    }

    static func < (a: Period, b: Period) -> Bool { a.ordinal < b.ordinal }
}

/// One participant row of a monthly insurance export.
struct InsuranceRow: Sendable {
    let person: Int
    let citizenID: String
    /// Empty when malformed (a required field missing).
    let insuranceCode: String
    let trueInsuranceCode: String
    let employerTaxCode: String
    let scheme: String
    let period: Period
}

/// Who is insured in which month: people of the population feed, employees of enterprises of the business feed.
struct InsuranceGenerator: Sendable {
    let seed: UInt64
    let people: PersonGenerator
    let enterprises: EnterpriseGenerator
    let basePeople: Int
    /// Months that have data initially (an advance with `months` adds months after the last); earlier months (from
    /// 2020-01) are served as header-only files.
    static let firstDataPeriod = Period(year: 2025, month: 1)
    static let lastDataPeriod = Period(year: 2025, month: 12)
    static let firstPeriod = Period(year: 2020, month: 1)

    static let header = "so_dinh_danh;ma_so_bhxh;ma_so_thue_don_vi;loai_hinh;ky"

    /// Calls `body` for each row of `period`, in person order (none after `last`, the last month with data).
    func forEachRow(of period: Period, through last: Period = lastDataPeriod, _ body: (InsuranceRow) -> Void) {
        guard period >= Self.firstDataPeriod, period <= last else { return }
        for p in 0..<basePeople {
            let kind = Mix.unit(seed, Salt.insurance, UInt64(p), 1)
            guard kind < 0.40 else { continue }
            let age = period.year - people.birthYear(p)
            guard age >= 18, age <= 65 else { continue }
            guard Mix.unit(seed, Salt.insurance, UInt64(p), UInt64(period.ordinal)) < 0.95 else { continue }
            let scheme: String
            var employer = ""
            if kind < 0.30 {
                scheme = "BB"
                let e = Int(Mix.hash(seed ^ Salt.insurance, UInt64(p), UInt64(period.year)) % UInt64(max(1, enterprises.count)))
                employer = enterprises.taxCode(e).code
            } else if kind < 0.36 {
                scheme = "TN"
            } else {
                scheme = "TN-BHYT"
            }
            let code = people.insuranceCode(p)
            let malformed = Mix.unit(seed, Salt.insurance, UInt64(p), 3) < 0.0005
            body(
                InsuranceRow(
                    person: p, citizenID: people.identity(p).citizenID, insuranceCode: malformed ? "" : code,
                    trueInsuranceCode: code, employerTaxCode: employer, scheme: scheme, period: period))
        }
    }

    /// The CSV text of `period` as exported: UTF-8 BOM, `;`, header, CRLF line ends.
    func csv(of period: Period, through last: Period = lastDataPeriod) -> [UInt8] {
        var out: [UInt8] = [0xEF, 0xBB, 0xBF]
        out.append(contentsOf: Self.header.utf8)
        out.append(contentsOf: [0x0D, 0x0A])
        forEachRow(of: period, through: last) { row in
            out.append(contentsOf: row.citizenID.utf8)
            out.append(0x3B)
            out.append(contentsOf: row.insuranceCode.utf8)
            out.append(0x3B)
            out.append(contentsOf: row.employerTaxCode.utf8)
            out.append(0x3B)
            out.append(contentsOf: row.scheme.utf8)
            out.append(0x3B)
            out.append(contentsOf: row.period.text.utf8)
            out.append(contentsOf: [0x0D, 0x0A])
        }
        return out
    }
}
