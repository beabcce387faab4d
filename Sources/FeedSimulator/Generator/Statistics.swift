import Foundation

/// A deliberately malformed statistics row.
enum StatisticsMalformation: Sendable, Equatable {
    /// `ma_dvhc` empty (part of the primary key).
    case missingCode
    /// `dan_so` with thousands separators ("12.345"), as typed into a spreadsheet.
    case groupedDigits

    var field: String { self == .missingCode ? "commune_code" : "population" }
    var reason: String { self == .missingCode ? "required field missing" : "not a whole number" }
}

/// Population of one commune or ward in one year (31 December), as the statistics office publishes it.
struct CommuneYear: Sendable {
    let year: Int
    let code: String
    let name: String
    /// "Phường", "Xã", "Thị trấn".
    let type: String
    /// The post-2025 ward the commune lies in now.
    let ward2025: String
    let population: Int
    let male: Int
    let households: Int
    let malformation: StatisticsMalformation?

    var female: Int { population - male }
}

/// The statistics office's population by commune and year: 2020–2024 by the old (2024) communes, 2025 by the new
/// wards. The 2025 figure of a ward is its simulated residents divided by the scale (so it agrees with the
/// population feed); earlier years spread it over the old communes merged into it and shrink it back by a
/// growth rate of 0.8–1.8 % a year.
struct StatisticsGenerator: Sendable {
    let rows: [CommuneYear]

    static let years = 2020...2025

    init(seed: UInt64, people: PersonGenerator, basePeople: Int, scale: Double) {
        let wards = people.geography.wards
        var residents = [Int](repeating: 0, count: wards.count)
        for i in 0..<basePeople { residents[people.wardIndex(i)] += 1 }
        var rows: [CommuneYear] = []
        var serial: UInt64 = 0
        func row(_ year: Int, _ code: String, _ name: String, _ urban: Bool, _ population: Int, ward2025: String) {
            serial += 1
            var rng = SplitMix64(seed: seed, salt: Salt.statistics, serial)
            let type = name.hasPrefix("Thị trấn") ? "Thị trấn" : urban ? "Phường" : "Xã"
            let style = rng.unit()
            let served = style < 0.03 ? name.decomposedStringWithCanonicalMapping
                : style < 0.08 ? SchoolGenerator.traditionalTones(name) : name
            let m = rng.unit()
            rows.append(
                CommuneYear(
                    year: year, code: m < 0.002 ? "" : code, name: served, type: type, ward2025: ward2025, population: population,
                    male: Int((Double(population) * (0.485 + 0.02 * rng.unit())).rounded()),
                    households: Int((Double(population) / (3.2 + 0.7 * rng.unit())).rounded()),
                    malformation: m < 0.002 ? .missingCode : m < 0.006 && population >= 1_000 ? .groupedDigits : nil))
        }
        for year in Self.years {
            for (w, ward) in wards.enumerated() {
                let figure = Double(residents[w]) / scale
                if year >= 2025 {
                    row(year, ward.code, ward.name, ward.isUrban, Int(figure.rounded()), ward2025: ward.code)
                    continue
                }
                let weights = ward.oldUnits.map { 0.5 + Mix.unit(seed, Salt.statistics, UInt64(w), UInt64(Int($0.code) ?? 0)) }
                let total = weights.reduce(0, +)
                for (old, weight) in zip(ward.oldUnits, weights) {
                    let growth = 0.008 + 0.01 * Mix.unit(seed, Salt.statistics, UInt64(Int(old.code) ?? 0), 7)
                    let value = figure * weight / total / pow(1 + growth, Double(2025 - year))
                    row(year, old.code, old.name, old.isUrban, Int(value.rounded()), ward2025: ward.code)
                }
            }
        }
        self.rows = rows
    }

    static let header = "nam,ma_dvhc,ten_dvhc,loai_dvhc,dan_so,dan_so_nam,dan_so_nu,so_ho"

    /// The published file: UTF-8 with a BOM, `,`, CRLF.
    func csv() -> [UInt8] {
        var text = Self.header + "\r\n"
        for r in rows {
            let population = r.malformation == .groupedDigits ? Self.grouped(r.population) : String(r.population)
            text += [String(r.year), r.code, r.name, r.type, population, String(r.male), String(r.female), String(r.households)]
                .map { CSVText.field($0.isEmpty ? nil : $0) }.joined(separator: ",") + "\r\n"
        }
        return [0xEF, 0xBB, 0xBF] + Array(text.utf8)
    }

    /// "12345" → "12.345".
    static func grouped(_ value: Int) -> String {
        var digits = Array(String(value))
        var k = digits.count - 3
        while k > 0 {
            digits.insert(".", at: k)
            k -= 3
        }
        return String(digits)
    }
}
