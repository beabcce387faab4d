import Foundation

/// Where the schools of the education list stand (its `vi_do`/`kinh_do` columns): a point inside the school's
/// post-2025 ward, 6 decimals. One school (the 40th of the list) has its latitude and longitude typed in each
/// other's column. Made on the first schools request (the ward shapes are), with its truth `schools_positions.csv`.
struct SchoolPositions: Sendable {
    /// School code → (longitude, latitude) as true.
    let positions: [String: XY]
    /// The school whose export swaps latitude and longitude.
    let swapped: String?

    init(seed: UInt64, schools: SchoolGenerator, shapes: ProvinceShapes) {
        let wardIndex = Dictionary(shapes.wards.enumerated().map { ($1.code, $0) }, uniquingKeysWith: { a, _ in a })
        var positions: [String: XY] = [:]
        var rng = SplitMix64(seed ^ 0x5C_0001)
        for s in schools.schools where !s.code.isEmpty {
            guard let w = wardIndex[s.ward2025], let p = TelecomFeed.point(in: w, shapes: shapes, rng: &rng) else { continue }
            positions[s.code] = p
        }
        self.positions = positions
        let listed = schools.schools.filter { positions[$0.code] != nil && $0.malformation == nil }
        swapped = listed.count > 40 ? listed[39].code : nil
    }

    /// The `vi_do`, `kinh_do` cells of a school (empty when it has no position).
    func cells(_ code: String) -> (String, String) {
        guard let p = positions[code] else { return ("", "") }
        return code == swapped ? (String(p.x), String(p.y)) : (String(p.y), String(p.x))
    }
}

extension TruthWriter {
    /// `schools_positions.csv`: the true position and ward of every school a correct load stages (its row well formed),
    /// and whether its row swaps the columns.
    func writeSchoolPositions(_ positions: SchoolPositions, schools: SchoolGenerator) throws {
        let file = try CSVFile(file("schools_positions.csv"), header: ["school_code", "ward_2025", "longitude", "latitude", "swapped"])
        for s in schools.schools where s.malformation == nil {
            guard let p = positions.positions[s.code] else { continue }
            try file.row([s.code, s.ward2025, String(p.x), String(p.y), String(s.code == positions.swapped)])
        }
        try file.finish()
    }
}
