import Foundation
import ReferenceData

/// One commune-level unit's boundary as the geographic base layer serves it.
struct UnitShape: Sendable {
    /// GSO code of the unit.
    let code: String
    let name: String
    /// "Xã", "Phường", "Thị trấn".
    let type: String
    /// Province code of its era: 24 (the new Bắc Ninh) after 1 July 2025; 27 (old Bắc Ninh) or 24 (old Bắc Giang)
    /// before.
    let provinceCode: String
    /// `yyyy-mm-dd`; nil: since before the records.
    let validFrom: String?
    /// `yyyy-mm-dd` (exclusive); nil: still in force.
    let validTo: String?
    /// Outer ring (WGS 84 longitude, latitude), open.
    let ring: [XY]
    /// The post-2025 ward it is (or became part of).
    let ward2025: String

    /// The feature id: `07738-2025`, `09253-2008`.
    var id: String { "\(code)-\(validFrom == nil ? "truoc-2025" : "2025")" }
}

/// The province's commune-level boundaries of both eras, derived from the shipped 2025 ward boundaries: each new
/// ward as published, and each old commune that merged into it as a piece of it cut by chords (the old communes
/// of a ward tile it exactly; the split is synthetic, not the surveyed old boundary). Pure function of the seed.
struct ProvinceShapes: Sendable {
    /// The 99 wards from 1 July 2025, in code order.
    let wards: [UnitShape]
    /// The old communes (until 30 June 2025), in ward order.
    let oldUnits: [UnitShape]
    /// Per ward (same order as `wards`), its old communes' indexes in `oldUnits`.
    let oldOfWard: [[Int]]
    let wardBoxes: [Box]
    let oldBoxes: [Box]

    static let reformDay = "2025-07-01"

    init(seed: UInt64, geography: Geography) throws {
        let data = try ReferenceFile.bacNinhWards2025.data()
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any],
            let features = root["features"] as? [[String: Any]]
        else { throw SimulatorError.referenceData("bac_ninh_wards_2025.geojson is not a FeatureCollection") }
        var rings: [String: [XY]] = [:]
        for feature in features {
            guard let properties = feature["properties"] as? [String: Any], let code = properties["ward_code"] as? String,
                let geometry = feature["geometry"] as? [String: Any], let ring = Self.outerRing(geometry)
            else { continue }
            rings[code] = ring
        }
        var wards: [UnitShape] = []
        var olds: [UnitShape] = []
        var oldOfWard: [[Int]] = []
        for (w, ward) in geography.wards.enumerated() {
            guard let ring = rings[ward.code] else { continue }
            wards.append(
                UnitShape(
                    code: ward.code, name: ward.name, type: ward.isUrban ? "Phường" : "Xã", provinceCode: Geography.provinceCode,
                    validFrom: Self.reformDay, validTo: nil, ring: ring, ward2025: ward.code))
            var rng = SplitMix64(seed: seed, salt: Salt.geo, UInt64(w))
            let pieces = Plane.split(ring, into: ward.oldUnits.count, rng: &rng)
            var indexes: [Int] = []
            for (k, old) in ward.oldUnits.enumerated() {
                // A ward no chord could cut gives each of its old communes the whole ward (they then overlap; this
                // never happens with the shipped boundaries, and the simulator still starts).
                let piece = pieces?[k] ?? ring
                indexes.append(olds.count)
                olds.append(
                    UnitShape(
                        code: old.code, name: old.name,
                        type: old.name.hasPrefix("Thị trấn") ? "Thị trấn" : old.isUrban ? "Phường" : "Xã",
                        provinceCode: Geography.oldProvinceCode(of: old), validFrom: nil, validTo: Self.reformDay,
                        ring: piece, ward2025: ward.code))
            }
            oldOfWard.append(indexes)
        }
        guard !wards.isEmpty else { throw SimulatorError.referenceData("no ward boundaries matched the geography") }
        self.wards = wards
        self.oldUnits = olds
        self.oldOfWard = oldOfWard
        self.wardBoxes = wards.map { Box($0.ring) }
        self.oldBoxes = olds.map { Box($0.ring) }
    }

    /// The first polygon's outer ring of a Polygon or MultiPolygon, open.
    private static func outerRing(_ geometry: [String: Any]) -> [XY]? {
        let type = geometry["type"] as? String
        var polygon: [Any]?
        if type == "MultiPolygon" { polygon = (geometry["coordinates"] as? [Any])?.first as? [Any] }
        if type == "Polygon" { polygon = geometry["coordinates"] as? [Any] }
        guard let outer = polygon?.first as? [[Double]] else { return nil }
        var ring = outer.compactMap { $0.count >= 2 ? XY(x: $0[0], y: $0[1]) : nil }
        if ring.count > 1, ring.first == ring.last { ring.removeLast() }
        return ring.count >= 3 ? ring : nil
    }

    /// The index of the ward (in `wards`) containing a WGS 84 point, among `candidates` (all when nil).
    func ward(containing p: XY, among candidates: [Int]? = nil) -> Int? {
        for w in candidates ?? Array(wards.indices) where wardBoxes[w].contains(p) && Plane.contains(wards[w].ring, p) {
            return w
        }
        return nil
    }

    /// The old commune (index in `oldUnits`) of ward `w` containing a point.
    func oldUnit(ofWard w: Int, containing p: XY) -> Int? {
        oldOfWard[w].first { oldBoxes[$0].contains(p) && Plane.contains(oldUnits[$0].ring, p) }
    }
}
