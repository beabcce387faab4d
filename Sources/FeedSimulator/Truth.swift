import Foundation

/// Writes what a correct ingest must end with, as CSV files (UTF-8, `,`, header, RFC 4180 quoting; an empty
/// unquoted field is NULL):
///
/// - `population.csv`: one row per person, their latest version, fields as served (manifest column names);
///   people whose latest version is malformed are in `rejects.csv` instead.
/// - `population_clean.csv`: the same people with the clean values behind them (canonical name, ISO birth date,
///   post-2025 ward code, E.164 phone), for the Transform stage.
/// - `business.csv`: the current snapshot, fields as served; `business_clean.csv`: validity of each tax code.
/// - `insurance.csv`: every row of every month with data (written once: advances do not change it).
/// - `labour.csv`, `health_encounters.csv`…: see `writeStaticFeeds`.
/// - `rejects.csv`: the records served malformed on purpose: feed, position, key, field, reason.
/// - `population_malformed.csv`: the people of `rejects.csv`, their record as served (the columns of
///   `population.csv`): the personal data the reject path sees, for the search of the logs (scripts/pii-log-search).
struct TruthWriter {
    let directory: URL

    init(path: String) throws {
        directory = URL(fileURLWithPath: path, isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> URL { directory.appendingPathComponent(name) }

    /// `insurance.csv` and `insurance_rejects.csv` (every month with data, through `last`).
    private func writeInsurance(_ simulation: Simulation, through last: Period) throws {
        let rejects = try CSVFile(file("insurance_rejects.csv"), header: ["feed", "position", "key", "field", "reason"])
        let insurance = try CSVFile(file("insurance.csv"), header: [
            "citizen_id", "insurance_code", "employer_tax_code", "scheme", "period",
        ])
        var period = InsuranceGenerator.firstDataPeriod
        var failure: (any Error)? = nil
        while period <= last {
            var line = 1
            simulation.insurance.forEachRow(of: period, through: last) { row in
                line += 1
                guard failure == nil else { return }
                do {
                    if row.insuranceCode.isEmpty {
                        try rejects.row([
                            "insurance", "period=\(row.period.text) line=\(line)", row.citizenID, "insurance_code",
                            "required field missing",
                        ])
                    } else {
                        try insurance.row([
                            row.citizenID, row.insuranceCode, row.employerTaxCode.isEmpty ? nil : row.employerTaxCode,
                            row.scheme, row.period.text,
                        ])
                    }
                } catch {
                    failure = error
                }
            }
            if let failure { throw failure }
            period = period.month == 12
                ? Period(year: period.year + 1, month: 1) : Period(year: period.year, month: period.month + 1)
        }
        try insurance.finish()
        try rejects.finish()
    }

    func write(_ simulation: Simulation, state: SimulationState, includeStatic: Bool) throws {
        let rejects = try CSVFile(file("rejects.csv"), header: ["feed", "position", "key", "field", "reason"])
        let population = try CSVFile(file("population.csv"), header: [
            "citizen_id", "full_name", "birth_date", "sex", "phone", "ward_code", "address", "updated_at",
        ])
        let clean = try CSVFile(file("population_clean.csv"), header: [
            "citizen_id", "full_name", "birth_date", "sex", "phone_e164", "ward_code_2025", "updated_at",
        ])
        let malformed = try CSVFile(file("population_malformed.csv"), header: [
            "citizen_id", "full_name", "birth_date", "sex", "phone", "ward_code", "address", "updated_at",
        ])
        for index in 0..<state.timeline.totalPeople {
            let p = simulation.latestPerson(index, of: state)
            let updated = Timestamps.format(p.updatedAt)
            if let m = p.malformation {
                try rejects.row(["population", "updated_at=" + updated, p.citizenID, m.field, m.reason])
                try malformed.row([p.citizenID, p.name, p.birthDate, p.sex, p.phone, p.wardCode, p.address, updated])
                continue
            }
            try population.row([p.citizenID, p.name, p.birthDate, p.sex, p.phone, p.wardCode, p.address, updated])
            try clean.row([
                p.trueCitizenID, p.canonicalName, p.trueBirthDate, p.sex == "1" ? "M" : "F", p.phoneE164,
                p.ward2025, updated,
            ])
        }
        try population.finish()
        try clean.finish()
        try malformed.finish()

        let business = try CSVFile(file("business.csv"), header: [
            "tax_code", "name", "vsic", "capital", "status", "legal_rep_citizen_id", "address", "registered_on",
        ])
        let businessClean = try CSVFile(file("business_clean.csv"), header: ["tax_code", "tax_code_valid", "is_branch", "ward_code_2025"])
        var offset = 0
        for e in 0..<state.enterpriseCount where !state.isRemoved(e) {
            let x = simulation.enterprises.enterprise(e)
            defer { offset += 1 }
            if let m = x.malformation {
                try rejects.row(["business", "offset=\(offset)", x.taxCode, m.field, m.reason])
                continue
            }
            try business.row([
                x.taxCode, x.name, x.vsic, String(x.capital), x.status, x.representativeID, x.address, x.registeredOn,
            ])
            try businessClean.row([x.trueTaxCode, x.validTaxCode ? "true" : "false", x.isBranch ? "true" : "false", x.ward2025])
        }
        try business.finish()
        try businessClean.finish()

        if includeStatic || state.months > 0 {
            try writeInsurance(simulation, through: state.lastInsurancePeriod)
        }
        if includeStatic {
            try writeStaticFeeds(simulation)
        }
        // The rejects of the other feeds: kept from their last write.
        for name in ["insurance_rejects.csv"] + Self.staticRejectFiles {
            if let saved = try? Data(contentsOf: directory.appendingPathComponent(name)) {
                let lines = String(decoding: saved, as: UTF8.self).split(separator: "\n").dropFirst()
                for line in lines { try rejects.raw(String(line) + "\n") }
            }
        }
        try rejects.finish()
    }
}

/// A CSV file written through a 1 MB buffer to a temporary name, renamed into place when complete.
final class CSVFile {
    private let url: URL
    private let temporary: URL
    private let handle: FileHandle
    private var buffer: [UInt8] = []

    init(_ url: URL, header: [String]) throws {
        self.url = url
        temporary = url.appendingPathExtension("tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: temporary.path])
        }
        handle = try FileHandle(forWritingTo: temporary)
        buffer.reserveCapacity(1 << 20)
        try raw(CSVText.line(header))
    }

    func row(_ values: [String?]) throws { try raw(CSVText.line(values)) }

    func raw(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 20 { try flush() }
    }

    private func flush() throws {
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    func finish() throws {
        try flush()
        try handle.close()
        _ = try? FileManager.default.removeItem(at: url)
        try FileManager.default.moveItem(at: temporary, to: url)
    }
}
