/// A geometry fault planted in a served boundary or parcel, and what a correct load does with it.
enum GeometryFault: String, Sendable {
    /// A spike from one vertex across the polygon and back: `ST_IsValid` false; repaired with `ST_MakeValid`.
    case selfIntersection = "self_intersection"
    /// A second polygon part a few decimetres wide beside the unit: valid, but a sliver; the part is dropped.
    case sliver
    /// The ring's closing position missing: PostGIS refuses it; the record is rejected at ingest.
    case unclosedRing = "unclosed_ring"

    /// What the load must end with: `repaired`, `sliver_removed` or `rejected`.
    var outcome: String {
        switch self {
        case .selfIntersection: "repaired"
        case .sliver: "sliver_removed"
        case .unclosedRing: "rejected"
        }
    }
}

/// One feature of the `ranh-gioi-xa` collection (the `admin_boundaries` feed).
struct BoundaryFeature: Sendable {
    let unit: UnitShape
    let fault: GeometryFault?
}

/// The geographic base layer's commune-level boundaries, both eras, with a few planted faults: what the OGC
/// collection `ranh-gioi-xa` serves, in a fixed order (new wards, then old communes).
struct BoundaryFeed: Sendable {
    let features: [BoundaryFeature]

    static let collection = "ranh-gioi-xa"

    init(shapes: ProvinceShapes) {
        let units = shapes.wards + shapes.oldUnits
        var features: [BoundaryFeature] = []
        features.reserveCapacity(units.count)
        for (k, unit) in units.enumerated() {
            let fault: GeometryFault? =
                switch k {
                case 11, 140, 305: .selfIntersection
                case 57, 250: .sliver
                case 199: .unclosedRing
                default: nil
                }
            features.append(BoundaryFeature(unit: unit, fault: fault))
        }
        self.features = features
    }

    /// The feature's polygons (outer rings, closed) as served, faults included.
    static func polygons(of feature: BoundaryFeature) -> [[XY]] {
        var ring = feature.unit.ring
        switch feature.fault {
        case .selfIntersection?:
            let m = ring.count / 3
            let far = ring[(m + ring.count / 2) % ring.count]
            ring.insert(contentsOf: [far, ring[m]], at: m + 1)
            ring.append(ring[0])
            return [ring]
        case .sliver?:
            ring.append(ring[0])
            let box = Box(feature.unit.ring)
            // 600 m by 0.6 m, 11 m east of the unit's easternmost point.
            let x = box.maxX + 0.0001
            let y = (box.minY + box.maxY) / 2
            let sliver = [XY(x: x, y: y), XY(x: x + 0.0055, y: y), XY(x: x + 0.0055, y: y + 0.0000054), XY(x: x, y: y + 0.0000054), XY(x: x, y: y)]
            return [ring, sliver]
        case .unclosedRing?:
            return [ring]
        case nil:
            ring.append(ring[0])
            return [ring]
        }
    }
}
