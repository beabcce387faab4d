import Foundation

/// Makes the facility register on first use (it places facilities in the geo feeds' ward shapes) and keeps its
/// truth current: `health_facilities.csv` holds every facility a correct load and transform end with at the current
/// generation (deleted ones flagged), with its true position and ward, the ward its address names, its version, and
/// the planted fault.
final class LazyFacilityRegister: @unchecked Sendable {
    private let lock = NSLock()
    private var made: FacilityRegister?

    func get(_ simulation: Simulation, shapes: () throws -> ProvinceShapes, generation: Int, truth: TruthWriter?) throws -> FacilityRegister {
        try lock.withLock {
            if let made { return made }
            let register = FacilityRegister(
                seed: simulation.configuration.seed, health: simulation.health, geography: simulation.geography, shapes: try shapes())
            try truth?.writeFacilities(register, generation: generation)
            made = register
            return register
        }
    }

    func advanced(to generation: Int, truth: TruthWriter?) throws {
        try lock.withLock {
            guard let made else { return }
            try truth?.writeFacilities(made, generation: generation)
        }
    }
}

extension TruthWriter {
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
