import Foundation

/// One file of the reference data shipped with CityPipe (see `Resources/SOURCES.md` for where each comes from).
public enum ReferenceFile: String, CaseIterable, Sendable {
    /// Administrative units before 1 July 2025: province, district, commune/ward (10,035 communes/wards).
    case adminUnits2024 = "admin_units_2024.csv"
    /// Administrative units from 1 July 2025: province and commune/ward, no district level (3,321 units).
    case adminUnits2025 = "admin_units_2025.csv"
    /// The 2025 reorganisation crosswalk: new unit ← old units, with `full` or `partial` merges.
    case crosswalk2025 = "admin_crosswalk_2025.csv"
    /// Boundaries of the 99 communes/wards of the new Bắc Ninh province (WGS84 MultiPolygons).
    case bacNinhWards2025 = "bac_ninh_wards_2025.geojson"
    /// Targets of the post/telecom/IT action programmes (Decision 388/QĐ-UBND of 2018 first), one row per indicator.
    case ictTargets = "ict_targets.csv"
    /// Land-use class codes of cadastral maps (Circular 08/2024/TT-BTNMT).
    case landUseClasses = "land_use_classes.csv"
    /// The sources table of the files above.
    case sources = "SOURCES.md"

    /// The file's location inside the module's resource bundle.
    public func url() throws(ReferenceDataError) -> URL {
        let name = (rawValue as NSString).deletingPathExtension
        let ext = (rawValue as NSString).pathExtension
        guard let url = Bundle.module.url(forResource: name, withExtension: ext, subdirectory: "Resources") else {
            throw .missingResource(file: rawValue)
        }
        return url
    }

    /// The file's bytes.
    public func data() throws(ReferenceDataError) -> Data {
        let url = try url()
        do {
            return try Data(contentsOf: url)
        } catch {
            throw .unreadable(file: rawValue, reason: String(describing: error))
        }
    }
}
