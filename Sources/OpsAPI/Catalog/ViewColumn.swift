import Transform

/// One column of a view as the database has it, with what its model's header says of it.
public struct ViewColumn: Sendable, Equatable {
    /// How a column's values are written in JSON.
    public enum Category: String, Sendable {
        case number, boolean, text, json, geometry
    }

    public let name: String
    /// PostgreSQL's name of its type (`bigint`, `text`, `numeric(5,2)`, `geometry(MultiPolygon,4326)`).
    public let type: String
    public let category: Category
    /// Set when the header declares the column personal.
    public let personal: PersonalColumn.Kind?
    /// Set when the header lists it under `suppress` (a count of people a viewer sees only from 5 up).
    public let suppressed: Bool

    /// The category of a PostgreSQL type, from `pg_type.typcategory` and its name.
    static func category(typeName: String, typeCategory: String) -> Category {
        if typeName == "geometry" || typeName == "geography" { return .geometry }
        if typeName == "json" || typeName == "jsonb" { return .json }
        switch typeCategory {
        case "N": return .number
        case "B": return .boolean
        // Arrays, composites, ranges, timestamps: PostgreSQL writes them as JSON (to_json) for the JSON formats.
        case "A", "C", "R", "D": return typeName == "date" ? .text : .json
        default: return .text
        }
    }
}
