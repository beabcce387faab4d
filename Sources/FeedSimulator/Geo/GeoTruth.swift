import Foundation

/// The truth of the geographic, land and post/telecom feeds, written beside the others when the simulator first
/// serves one of them (`GeoFeeds` are made then):
/// `admin_boundaries.csv` (every served unit, its era, the post-2025 ward, and the fault planted in it with the
/// outcome a correct load ends with), `land.csv` (every parcel: zone, true ward and old commune, what it declares,
/// its surveyed area, and the planted faults), `postal_points.csv` and `bts_stations.csv` (the true position,
/// how the row wrote it, the ward), `telecom_subscriptions.csv`.
extension TruthWriter {
    func writeGeoFeeds(_ simulation: GeoFeeds) throws {
        let boundaries = try CSVFile(file("admin_boundaries.csv"), header: ["feature_id", "unit_code", "era", "ward_2025", "fault", "outcome"])
        for feature in simulation.boundaries.features {
            let unit = feature.unit
            try boundaries.row([
                unit.id, unit.code, unit.validFrom == nil ? "truoc-2025" : "2025", unit.ward2025, feature.fault?.rawValue ?? "",
                feature.fault?.outcome ?? "",
            ])
        }
        try boundaries.finish()

        let land = try CSVFile(file("land.csv"), header: [
            "parcel_id", "srid", "ward_2025", "old_code", "declared_ward", "declared_area", "grid_area", "land_use", "holder_id",
            "fault", "ward_mismatch", "area_mismatch", "unknown_land_use",
        ])
        for collection in simulation.land.collections {
            for p in collection.parcels {
                try land.row([
                    p.id, String(p.zone.epsg ?? 0), p.ward2025, p.oldCode, p.declaredWard, String(p.declaredArea), String(p.gridArea),
                    p.landUse, p.holderID, p.fault?.rawValue ?? "", String(p.wardMismatch), String(p.areaMismatch),
                    String(p.unknownLandUse),
                ])
            }
        }
        try land.finish()

        let telecom = simulation.telecom
        let postal = try CSVFile(file("postal_points.csv"), header: ["point_code", "ward_2025", "longitude", "latitude", "style", "broadband"])
        for p in telecom.postalPoints {
            let at = p.style.recovered(p.position)
            try postal.row([p.code, p.ward2025, String(at.x), String(at.y), p.style.rawValue, String(p.broadband)])
        }
        try postal.finish()
        let stations = try CSVFile(file("bts_stations.csv"), header: [
            "station_code", "ward_2025", "longitude", "latitude", "style", "technology", "pole_class", "shared",
        ])
        for s in telecom.stations {
            let at = s.style.recovered(s.position)
            try stations.row([s.code, s.ward2025, String(at.x), String(at.y), s.style.rawValue, s.technology, s.poleClass, String(s.shared)])
        }
        try stations.finish()
        let subscriptions = try CSVFile(file("telecom_subscriptions.csv"), header: ["year", "commune_code", "ward_2025", "fixed", "mobile", "broadband"])
        for s in telecom.subscriptions {
            try subscriptions.row([String(s.year), s.code, s.ward2025, String(s.fixed), String(s.mobile), String(s.broadband)])
        }
        try subscriptions.finish()
    }
}
