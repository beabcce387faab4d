import Foundation

/// The truth of the feeds that advances do not change (labour, health_encounters…), written once at start-up: one
/// `FEED.csv` of the rows a correct full load stages (manifest column names; dates ISO, timestamps ISO 8601 in
/// +07:00, other values as served) and one `FEED_rejects.csv` of the records served malformed on purpose; and
/// `places.csv` (feed, key, ward_code_2025): the post-2025 ward behind each loaded record that has a place (the key
/// of statistics is `year|commune_code`).
extension TruthWriter {
    static let staticRejectFiles = ["labour_rejects.csv", "health_encounters_rejects.csv", "schools_rejects.csv", "statistics_rejects.csv", "finance_rejects.csv"]
    static let rejectHeader = ["feed", "position", "key", "field", "reason"]

    func writeStaticFeeds(_ simulation: Simulation) throws {
        let places = try CSVFile(file("places.csv"), header: ["feed", "key", "ward_code_2025"])
        try writeLabour(simulation.labour, places: places)
        try writeHealth(simulation.health, places: places)
        try writeSchools(simulation.schools, places: places)
        try writeStatistics(simulation.statistics, places: places)
        try writeFinance(simulation.finance)
        try places.finish()
    }

    func writeFinance(_ finance: FinanceGenerator) throws {
        let rows = try CSVFile(file("finance.csv"), header: [
            "document_no", "tax_code", "payer_name", "sub_item", "tax_type", "tax_period", "amount", "paid_on",
        ])
        let rejects = try CSVFile(file("finance_rejects.csv"), header: Self.rejectHeader)
        var period = FinanceGenerator.firstDataPeriod
        while period <= FinanceGenerator.lastDataPeriod {
            for p in finance.payments(in: period) {
                if let m = p.malformation {
                    try rejects.row(["finance", "ky=\(period.text)", p.documentNumber, m.field, m.reason])
                    continue
                }
                try rows.row([p.documentNumber, p.taxCode, p.payer, p.subItem, p.taxType, p.taxPeriod, String(p.amount), p.paidOn])
            }
            period = period.month == 12 ? Period(year: period.year + 1, month: 1) : Period(year: period.year, month: period.month + 1)
        }
        try rows.finish()
        try rejects.finish()
    }

    func writeStatistics(_ statistics: StatisticsGenerator, places: CSVFile) throws {
        let rows = try CSVFile(file("statistics.csv"), header: [
            "year", "commune_code", "commune_name", "unit_type", "population", "male", "female", "households",
        ])
        let rejects = try CSVFile(file("statistics_rejects.csv"), header: Self.rejectHeader)
        for (k, r) in statistics.rows.enumerated() {
            if let m = r.malformation {
                try rejects.row(["statistics", "line=\(k + 2)", "\(r.year)/\(r.code)", m.field, m.reason])
                continue
            }
            try rows.row([
                String(r.year), r.code, r.name, r.type, String(r.population), String(r.male), String(r.female),
                String(r.households),
            ])
            try places.row(["statistics", "\(r.year)|\(r.code)", r.ward2025])
        }
        try rows.finish()
        try rejects.finish()
    }

    /// Names as they arrive: as served from the UTF-8 export, NFC from the TCVN3 one (its decoder composes).
    func writeSchools(_ schools: SchoolGenerator, places: CSVFile) throws {
        let rows = try CSVFile(file("schools.csv"), header: [
            "school_code", "name", "level", "ownership", "ward_code", "ward_name", "pupils", "teachers", "classes",
            "school_year",
        ])
        let rejects = try CSVFile(file("schools_rejects.csv"), header: Self.rejectHeader)
        for department in SchoolGenerator.departments {
            for (k, s) in schools.schools(of: department).enumerated() {
                if let m = s.malformation {
                    try rejects.row(["schools", "so=\(department) line=\(k + 2)", s.code, m.field, m.reason])
                    continue
                }
                let legacy = department == "bac-giang"
                func arrived(_ text: String) -> String { legacy ? text.precomposedStringWithCanonicalMapping : text }
                try rows.row([
                    s.code, arrived(s.name), arrived(s.level), arrived(s.ownership), s.wardCode, arrived(s.wardName),
                    String(s.pupils), String(s.teachers), String(s.classes), SchoolGenerator.schoolYear,
                ])
                try places.row(["schools", s.code, s.ward2025])
            }
        }
        try rows.finish()
        try rejects.finish()
    }

    func writeLabour(_ labour: LabourGenerator, places: CSVFile) throws {
        let rows = try CSVFile(file("labour.csv"), header: [
            "claim_id", "kind", "citizen_id", "full_name", "ward_code", "ward_name", "occupation_code", "occupation",
            "claim_date", "monthly_benefit", "benefit_months", "status", "updated_at",
        ])
        let rejects = try CSVFile(file("labour_rejects.csv"), header: Self.rejectHeader)
        for k in 0..<labour.count {
            let r = labour.record(k)
            let updated = Timestamps.format(r.updatedAt)
            if let m = r.malformation {
                try rejects.row(["labour", "updated_at=" + updated, r.recordID, m.field, m.reason])
                continue
            }
            try rows.row([
                r.recordID, r.kind, r.citizenID, r.name, r.residence.code, r.residence.name, r.occupationCode,
                r.occupationName, r.trueClaimDate, r.monthlyBenefit.map(String.init), r.benefitMonths.map(String.init),
                r.status, updated,
            ])
            try places.row(["labour", r.recordID, r.residence.ward2025])
        }
        try rows.finish()
        try rejects.finish()
    }

    func writeHealth(_ health: HealthClaimGenerator, places: CSVFile) throws {
        let rows = try CSVFile(file("health_encounters.csv"), header: [
            "claim_id", "citizen_id", "full_name", "birth_date", "sex", "province_code", "ward_code", "insurance_card",
            "diagnosis_icd10", "encounter_type", "admitted_at", "discharged_at", "facility_code", "total_cost",
            "insurance_paid",
        ])
        let rejects = try CSVFile(file("health_encounters_rejects.csv"), header: Self.rejectHeader)
        // Whose each claim is, also where the claim carries no ID: the truth of record linkage.
        let people = try CSVFile(file("health_encounters_people.csv"), header: ["claim_id", "person_citizen_id"])
        for k in 0..<health.count {
            let c = health.claim(k)
            if c.malformation == nil { try people.row([c.claimID, c.trueCitizenID]) }
            let discharged = Timestamps.format(c.dischargedAt)
            if let m = c.malformation {
                try rejects.row(["health_encounters", "discharged_at=" + discharged, c.trueClaimID, m.field, m.reason])
                continue
            }
            let birth = String(c.birthDate.prefix(4)) + "-" + String(c.birthDate.dropFirst(4).prefix(2)) + "-"
                + String(c.birthDate.suffix(2))
            try rows.row([
                c.claimID, c.citizenID, c.name, birth, c.sex, c.residence.provinceCode, c.residence.code, c.card,
                c.icd10, c.encounterType, Timestamps.format(c.admittedAt), discharged,
                c.facility.code, String(c.totalCost), String(c.insurancePaid),
            ])
            try places.row(["health_encounters", c.claimID, c.residence.ward2025])
        }
        try rows.finish()
        try rejects.finish()
        try people.finish()
    }
}
