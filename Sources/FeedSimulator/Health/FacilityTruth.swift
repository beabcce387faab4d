import Foundation

extension TruthWriter {
    /// `health_facilities.csv`: every facility of the register at `generation` (deleted ones flagged), with its true
    /// position and ward, the ward its address names, its version and the planted fault.
    func writeFacilities(_ register: FacilityRegister, generation: Int) throws {
        let file = try CSVFile(file("health_facilities.csv"), header: [
            "facility_code", "name", "kind", "parent_code", "ward_2025", "address_ward", "longitude", "latitude", "version", "deleted",
            "plant",
        ])
        for (k, f) in register.facilities.enumerated() {
            guard let v = register.version(of: k, at: generation) else { continue }
            try file.row([
                f.code, f.name, f.kind, f.parent ?? "", f.ward, f.addressWard, String(f.position.x), String(f.position.y), String(v.number),
                String(register.deleted(k, at: generation)), f.plant?.rawValue ?? "",
            ])
        }
        try file.finish()
    }
}
