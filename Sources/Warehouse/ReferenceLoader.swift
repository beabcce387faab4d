import Foundation
import Postgres
import ReferenceData

/// Loads the reference data shipped with the project into `ref.*`.
///
/// The datasets are loaded together in one transaction (the ward boundaries reference the 2025 units).
/// Each file's SHA-256 is recorded in `ref.reference_loads`; when every file is unchanged the load is skipped,
/// so loading twice changes nothing.
public struct ReferenceLoader: Sendable {
    public init() {}

    /// What a load did.
    public struct Report: Sendable, Equatable {
        /// False when every file was already loaded at its current checksum.
        public var loaded: Bool
        /// Rows per table after the load.
        public var rows: [String: Int]
    }

    struct Dataset {
        let name: String
        let file: ReferenceFile
        let source: String
    }

    static let datasets = [
        Dataset(
            name: "ref.admin_unit_2024", file: .adminUnits2024,
            source: "thanglequoc/vietnamese-provinces-database v2.4.1 (MIT); Decision 124/2004/QĐ-TTg list, mid-2025"),
        Dataset(
            name: "ref.admin_unit_2025", file: .adminUnits2025,
            source: "thanglequoc/vietnamese-provinces-database v4.2.0 (MIT); Decision 19/2025/QĐ-TTg"),
        Dataset(
            name: "ref.admin_crosswalk_2025", file: .crosswalk2025,
            source: "dvhcvn/20250701 mapping/merges.json (MIT)"),
        Dataset(
            name: "ref.ward_boundary_2025", file: .bacNinhWards2025,
            source: "thanglequoc/vietnamese-provinces-database resources/gis/geojson_11Mar2026 (sapnhap.bando.com.vn)"),
        Dataset(name: "ref.ict_target", file: .ictTargets, source: "Decision 388/QĐ-UBND (2018), Bắc Ninh's post/telecom/IT action programme"),
        Dataset(name: "ref.land_use_class", file: .landUseClasses, source: "Circular 08/2024/TT-BTNMT, land type codes"),
    ]

    /// Reference tables filled from a CSV file whose header names the table's columns.
    static let csvTables: [(table: String, file: ReferenceFile)] = [
        ("ref.ict_target", .ictTargets), ("ref.land_use_class", .landUseClasses),
    ]

    /// Loads the reference data when any file differs from what the database holds.
    public func load(_ connection: PostgresConnection) throws -> Report {
        var checksums: [String: String] = [:]
        var contents: [String: Data] = [:]
        for dataset in ReferenceLoader.datasets {
            let data = try dataset.file.data()
            contents[dataset.name] = data
            checksums[dataset.name] = try connection.query(
                "SELECT encode(sha256($1::bytea), 'hex') AS sum", [data], name: "reference checksum")
                .first?.decode(String.self, "sum")
        }
        var recorded: [String: String] = [:]
        for row in try connection.query("SELECT dataset, sha256 FROM ref.reference_loads", name: "read reference_loads") {
            recorded[try row.decode(String.self, "dataset")] = try row.decode(String.self, "sha256")
        }
        if recorded == checksums {
            return Report(loaded: false, rows: try counts(connection))
        }
        try connection.transaction { connection in
            try connection.simpleExecute(
                """
                DELETE FROM ref.ict_target;
                DELETE FROM ref.land_use_class;
                DELETE FROM ref.ward_boundary_2025;
                DELETE FROM ref.admin_crosswalk_2025;
                DELETE FROM ref.admin_unit_2025;
                DELETE FROM ref.admin_unit_2024;
                DELETE FROM ref.reference_loads;
                """, name: "clear reference tables")
            try loadUnits2024(connection)
            try loadUnits2025(connection)
            try loadCrosswalk(connection)
            try loadBoundaries(connection, geojson: contents["ref.ward_boundary_2025"] ?? Data())
            for (table, file) in ReferenceLoader.csvTables { try loadCSV(connection, table: table, file: file) }
            let rows = try counts(connection)
            for dataset in ReferenceLoader.datasets {
                try connection.query(
                    "INSERT INTO ref.reference_loads (dataset, file, sha256, row_count, source) VALUES ($1, $2, $3, $4, $5)",
                    [dataset.name, dataset.file.rawValue, checksums[dataset.name] ?? "", rows[dataset.name] ?? 0, dataset.source],
                    name: "record reference load")
            }
        }
        return Report(loaded: true, rows: try counts(connection))
    }

    private func loadUnits2024(_ connection: PostgresConnection) throws {
        let units = try ReferenceData.adminUnits2024()
        try connection.copyIn(
            "COPY ref.admin_unit_2024 (ward_code, ward_name, ward_type, district_code, district_name, province_code, province_name) FROM STDIN",
            name: "load ref.admin_unit_2024"
        ) { writer in
            for u in units {
                try writer.writeRow([u.wardCode, u.wardName, u.wardType, u.districtCode, u.districtName, u.provinceCode, u.provinceName])
            }
        }
    }

    private func loadUnits2025(_ connection: PostgresConnection) throws {
        let units = try ReferenceData.adminUnits2025()
        try connection.copyIn(
            "COPY ref.admin_unit_2025 (ward_code, ward_name, ward_type, province_code, province_name) FROM STDIN",
            name: "load ref.admin_unit_2025"
        ) { writer in
            for u in units { try writer.writeRow([u.wardCode, u.wardName, u.wardType, u.provinceCode, u.provinceName]) }
        }
    }

    private func loadCrosswalk(_ connection: PostgresConnection) throws {
        let entries = try ReferenceData.crosswalk2025()
        try connection.copyIn(
            "COPY ref.admin_crosswalk_2025 (level, new_code, new_name, old_code, old_name, merge_type) FROM STDIN",
            name: "load ref.admin_crosswalk_2025"
        ) { writer in
            for e in entries {
                try writer.writeRow([e.level, e.newCode, e.newName, e.oldCode, e.oldName, e.mergeType.rawValue])
            }
        }
    }

    /// A CSV file into the table its header describes (an empty value is NULL).
    private func loadCSV(_ connection: PostgresConnection, table: String, file: ReferenceFile) throws {
        let csv = try CSVTable(file)
        try connection.copyIn(
            "COPY \(table) (\(csv.header.joined(separator: ", "))) FROM STDIN", name: "load \(table)"
        ) { writer in
            for row in csv.rows { try writer.writeRow(row.map { $0.isEmpty ? nil : $0 }) }
        }
    }

    private func loadBoundaries(_ connection: PostgresConnection, geojson: Data) throws {
        guard let text = String(data: geojson, encoding: .utf8) else {
            throw ReferenceDataError.unreadable(file: ReferenceFile.bacNinhWards2025.rawValue, reason: "not UTF-8")
        }
        try connection.query(
            """
            INSERT INTO ref.ward_boundary_2025 (ward_code, ward_name, province_code, geom)
            SELECT f->'properties'->>'ward_code',
                   f->'properties'->>'ward_name',
                   f->'properties'->>'province_code',
                   ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_SetSRID(ST_GeomFromGeoJSON(f->>'geometry'), 4326)), 3))
            FROM jsonb_array_elements($1::jsonb->'features') AS f
            """, [JSONB(text)], name: "load ref.ward_boundary_2025")
    }

    private func counts(_ connection: PostgresConnection) throws -> [String: Int] {
        var rows: [String: Int] = [:]
        for dataset in ReferenceLoader.datasets {
            rows[dataset.name] = try connection.query("SELECT count(*) AS n FROM \(dataset.name)", name: "count \(dataset.name)")
                .first?.decode(Int.self, "n") ?? 0
        }
        return rows
    }
}
