import Foundation
import Normalize

/// One land parcel of the national land database as the `land` feed serves it.
struct Parcel: Sendable {
    /// `ma_thua`: unique across the province.
    let id: String
    /// Map sheet and parcel number (`so_to`, `so_thua`).
    let sheet: Int
    let number: Int
    let zone: VN2000Zone
    /// The corners in grid millimetres (easting, northing), open, counter-clockwise as surveyed.
    let corners: [(Int64, Int64)]
    /// The WGS 84 box of its corners (for `bbox` queries).
    let box: Box
    /// The post-2025 ward and old commune the parcel lies in (the truth).
    let ward2025: String
    let oldCode: String
    /// The ward code the record declares: the new code, the old commune's code, or (planted) another ward's.
    let declaredWard: String
    /// Area in m² as declared (`dien_tich`) and as surveyed (the rectangle's grid area).
    let declaredArea: Double
    let gridArea: Double
    /// The land-use class code (`loai_dat`), as written.
    let landUse: String
    /// The holder's 12-digit CCCD, nil for an organisation's parcel.
    let holderID: String?
    let fault: GeometryFault?
    let wardMismatch: Bool
    let areaMismatch: Bool
    let unknownLandUse: Bool
    let updatedAt: String
}

/// The parcels of the land feed: two OGC collections, one per old province's land office, each in its own
/// VN-2000 TM-3 zone (EPSG:9209 for old Bắc Ninh, EPSG:9214 for old Bắc Giang). About 200,000 parcels at scale 1,
/// rectangles of 10–45 m placed wholly inside one ward; a few planted faults (a self-intersecting outline, a
/// declared ward that is not where the parcel lies, a declared area more than 5 % off, a land-use class outside
/// the classification).
struct LandFeed: Sendable {
    struct Collection: Sendable {
        let id: String
        let zone: VN2000Zone
        let parcels: [Parcel]
    }

    let collections: [Collection]

    static let bacNinh = "thua-dat-bac-ninh"
    static let bacGiang = "thua-dat-bac-giang"
    /// Land-use classes (Circular 08/2024/TT-BTNMT codes) and their weights in a commune; `ONT` (rural
    /// residential) becomes `ODT` (urban residential) in a ward.
    static let landUses: [(String, Double)] = [
        ("LUC", 0.30), ("ONT", 0.26), ("HNK", 0.10), ("CLN", 0.09), ("NTS", 0.07), ("SKC", 0.06), ("TMD", 0.04),
        ("DGT", 0.04), ("DGD", 0.02), ("NTD", 0.02),
    ]

    init(seed: UInt64, scale: Double, shapes: ProvinceShapes, geography: Geography, people: PersonGenerator, basePeople: Int) {
        let total = max(40, Int((200_000 * scale).rounded()))
        var byZone: [(String, VN2000Zone, [Int])] = [(Self.bacNinh, .bacNinh, []), (Self.bacGiang, .bacGiang, [])]
        for (w, ward) in geography.wards.enumerated() where w < shapes.wards.count {
            let old = Geography.oldProvinceCode(of: ward.oldUnits[0])
            byZone[old == "27" ? 0 : 1].2.append(w)
        }
        let allWards = byZone[0].2.count + byZone[1].2.count
        var collections: [Collection] = []
        var serial = 0
        for (id, zone, wards) in byZone {
            let count = allWards == 0 ? 0 : total * wards.count / allWards
            var parcels: [Parcel] = []
            parcels.reserveCapacity(count)
            var sheetOf: [String: (sheet: Int, number: Int)] = [:]
            for k in 0..<count where !wards.isEmpty {
                serial += 1
                var rng = SplitMix64(seed: seed, salt: Salt.land, UInt64(serial))
                let w = wards[k % wards.count]
                guard let placed = Self.place(rng: &rng, ward: w, zone: zone, shapes: shapes) else { continue }
                let ward = shapes.wards[w]
                let oldIndex = shapes.oldUnit(ofWard: w, containing: placed.centre) ?? shapes.oldOfWard[w][0]
                let old = shapes.oldUnits[oldIndex]
                var position = sheetOf[ward.code] ?? (sheet: 1, number: 0)
                position.number += 1
                if position.number > 400 { position = (position.sheet + 1, 1) }
                sheetOf[ward.code] = position
                let draw = rng.unit()
                let wardMismatch = draw < 0.01
                let declaredWard: String
                if wardMismatch {
                    declaredWard = shapes.wards[(w + 1 + rng.below(shapes.wards.count - 1)) % shapes.wards.count].code
                } else {
                    declaredWard = draw < 0.31 ? old.code : ward.code
                }
                let areaMismatch = rng.unit() < 0.02
                let declared = areaMismatch ? placed.area * (rng.unit() < 0.5 ? 0.8 : 1.25) : placed.area
                var landUse = Self.pickLandUse(&rng)
                if landUse == "ONT" && ward.type == "Phường" { landUse = "ODT" }
                let unknownLandUse = rng.unit() < 0.005
                if unknownLandUse { landUse = landUse + "+CLN" }
                let fault: GeometryFault? = rng.unit() < 0.004 ? .selfIntersection : nil
                let holder: String? = rng.unit() < 0.12 ? nil : people.identity(rng.below(basePeople)).citizenID
                let day = 1 + rng.below(28)
                let month = 1 + rng.below(12)
                let prefix = zone == .bacNinh ? "27" : "24"
                parcels.append(
                    Parcel(
                        id: "\(prefix)-\(ward.code)-\(position.sheet)-\(position.number)", sheet: position.sheet,
                        number: position.number, zone: zone, corners: placed.corners, box: placed.box, ward2025: ward.code,
                        oldCode: old.code, declaredWard: declaredWard, declaredArea: (declared * 10).rounded() / 10,
                        gridArea: placed.area, landUse: landUse, holderID: holder, fault: fault, wardMismatch: wardMismatch,
                        areaMismatch: areaMismatch, unknownLandUse: unknownLandUse,
                        updatedAt: "2025-\(Digits.padded(month, width: 2))-\(Digits.padded(day, width: 2))T08:00:00+07:00"))
            }
            collections.append(Collection(id: id, zone: zone, parcels: parcels))
        }
        self.collections = collections
    }

    static func pickLandUse(_ rng: inout SplitMix64) -> String {
        var u = rng.unit()
        for (code, weight) in landUses {
            if u < weight { return code }
            u -= weight
        }
        return landUses[0].0
    }

    /// A rectangle of whole millimetres wholly inside ward `w` (its corners and centre are).
    static func place(rng: inout SplitMix64, ward w: Int, zone: VN2000Zone, shapes: ProvinceShapes)
        -> (corners: [(Int64, Int64)], box: Box, centre: XY, area: Double)?
    {
        let ring = shapes.wards[w].ring
        let box = shapes.wardBoxes[w]
        for _ in 0..<200 {
            let p = XY(x: box.minX + rng.unit() * (box.maxX - box.minX), y: box.minY + rng.unit() * (box.maxY - box.minY))
            guard Plane.contains(ring, p) else { continue }
            let centre = GridProjection.forward(p, zone: zone)
            let width = Int64(10_000 + rng.below(35_000))
            let height = Int64(10_000 + rng.below(25_000))
            let e0 = Int64((centre.x * 1000).rounded()) - width / 2
            let n0 = Int64((centre.y * 1000).rounded()) - height / 2
            let corners = [(e0, n0), (e0 + width, n0), (e0 + width, n0 + height), (e0, n0 + height)]
            let wgs = corners.map { GridProjection.inverse(XY(x: Double($0.0) / 1000, y: Double($0.1) / 1000), zone: zone) }
            guard wgs.allSatisfy({ Plane.contains(ring, $0) }) else { continue }
            let middle = GridProjection.inverse(
                XY(x: Double(e0 + width / 2) / 1000, y: Double(n0 + height / 2) / 1000), zone: zone)
            return (corners, Box(wgs), middle, Double(width) * Double(height) / 1_000_000)
        }
        return nil
    }

    /// The collection named `id`.
    func collection(_ id: String) -> Collection? { collections.first { $0.id == id } }
}
