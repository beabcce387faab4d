import Foundation

/// The health department's facility register, as a FHIR R4 server holds it: for every facility of the claims feed
/// (the provincial hospitals and district health centres, and the health station of every ward) an Organization
/// (`org-CODE`, its MA_CSKCB code as the first identifier, `partOf` the department or the district health centre)
/// and a Location (`loc-CODE`, its position and address, `managingOrganization` the Organization), plus the
/// department itself (`org-syt`, no code).
///
/// Versions follow the simulation's generations: generation 0 was bulk-imported at three instants (so most
/// resources share their `lastUpdated` with hundreds of others: ties across every page boundary); at each later
/// generation about one facility in twenty is edited (a new version, all of a generation's edits at one instant),
/// one new facility appears at generation 1, and at generation 1 one ward's health station is deleted (both of its
/// resources; the deletion is only in `_history`). Planted in the data: a Location with latitude and longitude
/// swapped (swapping back lands in the province), one whose latitude is unusable even swapped (a longitude typed
/// with a misplaced decimal point), and one whose address names another ward than the one it stands in.
struct FacilityRegister: Sendable {
    enum Plant: String, Sendable {
        case swapped, unusable, addressElsewhere = "address_elsewhere"
    }

    struct Facility: Sendable {
        let code: String
        let name: String
        /// hospital, health_centre, station.
        let kind: String
        /// The code of the Organization it is part of (nil: the department).
        let parent: String?
        /// The post-2025 ward it stands in.
        let ward: String
        /// The ward its address names.
        let addressWard: String
        let addressText: String
        let position: XY
        let plant: Plant?
        /// The generation it appears at (0 for the initial register).
        let from: Int
        /// The generation it is deleted at, if any.
        let deletedAt: Int?

        /// Latitude and longitude as the Location serves them.
        var served: (latitude: Double, longitude: Double) {
            switch plant {
            case .swapped: (position.x, position.y)
            case .unusable: (position.x, position.y / 10)
            default: (position.y, position.x)
            }
        }
    }

    /// The three instants of the bulk import, and how each resource's version moves.
    static let importInstants: [Int64] = [1_751_335_200, 1_757_907_000, 1_766_214_000]  // 2025-07-01 09:00, 2025-09-15 10:30, 2025-12-20 14:00 (+07:00)
    static let identifierSystem = "https://soyte.bacninh.gov.vn/fhir/sid/ma-cskcb"

    let seed: UInt64
    let facilities: [Facility]

    init(seed: UInt64, health: HealthClaimGenerator, geography: Geography, shapes: ProvinceShapes) {
        self.seed = seed
        var rng = SplitMix64(seed ^ 0xF1_0001)
        let wardIndex = Dictionary(shapes.wards.enumerated().map { ($1.code, $0) }, uniquingKeysWith: { a, _ in a })
        let wards = geography.wards
        let names = Dictionary(wards.map { ($0.code, $0.name) }, uniquingKeysWith: { a, _ in a })
        let centres = health.facilities.prefix(health.hospitals).filter { $0.name.hasPrefix("Trung tâm Y tế") }.map(\.code)
        var result: [Facility] = []
        var stationCount = 0
        for (k, f) in health.facilities.enumerated() {
            let ward = f.ward ?? wards[(k * 9 + 4) % wards.count].code
            guard let w = wardIndex[ward], let p = TelecomFeed.point(in: w, shapes: shapes, rng: &rng) else { continue }
            let kind = f.ward != nil ? "station" : f.name.hasPrefix("Trung tâm Y tế") ? "health_centre" : "hospital"
            var plant: Plant? = nil
            var addressWard = ward
            if kind == "station" {
                stationCount += 1
                switch stationCount {
                case 7: plant = .swapped
                case 13: plant = .unusable
                case 19:
                    plant = .addressElsewhere
                    addressWard = wards[(k * 9 + 50) % wards.count].code
                default: break
                }
            }
            let parent = kind == "station" && !centres.isEmpty ? centres[k % centres.count] : nil
            result.append(Facility(
                code: f.code, name: f.name, kind: kind, parent: parent, ward: ward, addressWard: addressWard,
                addressText: "Thôn \(1 + k % 9), \(names[addressWard] ?? addressWard), Tỉnh Bắc Ninh", position: p, plant: plant,
                from: 0, deletedAt: kind == "station" && stationCount == 31 ? 1 : nil))
        }
        // A clinic opens at generation 1.
        if let w = wardIndex[wards[3].code], let p = TelecomFeed.point(in: w, shapes: shapes, rng: &rng) {
            result.append(Facility(
                code: "24300", name: "Phòng khám Đa khoa khu vực \(wards[3].name)", kind: "clinic", parent: nil, ward: wards[3].code,
                addressWard: wards[3].code, addressText: "Thôn 2, \(wards[3].name), Tỉnh Bắc Ninh", position: p, plant: nil, from: 1,
                deletedAt: nil))
        }
        facilities = result
    }

    /// The instant of generation `g`'s edits (three hours before its clock).
    static func editInstant(_ g: Int) -> Int64 { Timeline.initialEnd + Int64(g) * 86_400 - 3 * 3_600 }
    /// The instant of generation `g`'s deletions.
    static func deleteInstant(_ g: Int) -> Int64 { Timeline.initialEnd + Int64(g) * 86_400 - 2 * 3_600 }

    /// Whether facility `k` is edited at generation `g` (≥ 1).
    func edited(_ k: Int, at g: Int) -> Bool { Mix.hash(seed ^ 0xF1_0002, UInt64(k), UInt64(g)) % 20 == 0 }

    /// A resource's version at `generation`: its number (1 first) and its lastUpdated; nil before it exists.
    func version(of k: Int, at generation: Int) -> (number: Int, lastUpdated: Int64)? {
        let f = facilities[k]
        guard f.from <= generation else { return nil }
        var number = 1
        var updated = f.from == 0 ? Self.importInstants[k % 3] : Self.editInstant(f.from)
        if f.from < generation {
            for g in max(1, f.from + 1)...generation where edited(k, at: g) {
                number += 1
                updated = Self.editInstant(g)
            }
        }
        return (number, updated)
    }

    /// Whether facility `k` is deleted by `generation`.
    func deleted(_ k: Int, at generation: Int) -> Bool { facilities[k].deletedAt.map { $0 <= generation } ?? false }

    /// The department (Sở Y tế), parent of the hospitals and health centres; never edited.
    static let department = (id: "org-syt", name: "Sở Y tế tỉnh Bắc Ninh", lastUpdated: importInstants[0])
}
