import Foundation

/// One declared field: a typed column of `staging.FEED`, read from `path` in each record.
public struct FieldSpec: Codable, Hashable, Sendable {
    /// Column name: `[a-z][a-z0-9_]*` (a leading `_` is reserved for CityPipe's own columns).
    public var name: String
    /// Where the value is in a record: a JSON path (`hoTen`, `diaChi.maXa`), an XML child
    /// element path (`MA_THE`, `THE/@ma`), or a CSV column name. Defaults to `name`.
    public var path: String
    /// The column's SQL type.
    public var type: SQLType
    /// What the value means, driving normalisation in Transform (e.g. `vn_citizen_id`).
    public var semantic: String?
    /// A record without a value here is rejected (default false; true for primary-key fields).
    public var required: Bool
    /// Source format of a date or time that no semantic covers (e.g. `yyyy-MM`, `dd/MM/yyyy`).
    public var format: String?
    /// Spatial reference of a geometry (e.g. 4326, or 9209 for VN-2000 105°30′).
    public var srid: Int?
    /// Free text for the data dictionary.
    public var description: String?

    /// Creates a field.
    public init(
        name: String,
        path: String? = nil,
        type: SQLType,
        semantic: String? = nil,
        required: Bool = false,
        format: String? = nil,
        srid: Int? = nil,
        description: String? = nil
    ) {
        self.name = name
        self.path = path ?? name
        self.type = type
        self.semantic = semantic
        self.required = required
        self.format = format
        self.srid = srid
        self.description = description
    }

    /// The YAML keys of a field (`name` only in the list form).
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case name, path, type, semantic, required, format, srid, description
    }

    /// Decodes a field of the list form (with `name`).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(name: container.decode(String.self, forKey: .name), container: container)
    }

    /// Decodes the body of a field whose name is its mapping key.
    init(name: String, container: KeyedDecodingContainer<CodingKeys>) throws {
        self.name = name
        path = try container.decodeIfPresent(String.self, forKey: .path) ?? name
        type = try container.decode(SQLType.self, forKey: .type)
        semantic = try container.decodeIfPresent(String.self, forKey: .semantic)
        required = try container.decodeIfPresent(Bool.self, forKey: .required) ?? false
        format = try container.decodeIfPresent(String.self, forKey: .format)
        srid = try container.decodeIfPresent(Int.self, forKey: .srid)
        description = try container.decodeIfPresent(String.self, forKey: .description)
    }
}

/// The SQL types a field may have (PostgreSQL names; `geometry` needs PostGIS).
public enum SQLType: String, Codable, Hashable, Sendable, CaseIterable {
    /// `text`
    case text
    /// `integer` (32-bit)
    case integer
    /// `bigint` (64-bit)
    case bigint
    /// `numeric` (exact decimal, for money)
    case numeric
    /// `boolean`
    case boolean
    /// `date`
    case date
    /// `timestamptz`
    case timestamptz
    /// `jsonb`
    case jsonb
    /// `geometry` (PostGIS)
    case geometry
}

/// `fields` as written: a mapping (name → spec, in order) or a sequence of specs with `name`.
struct FieldList: Decodable {
    let fields: [FieldSpec]

    private struct NameKey: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        if var list = try? decoder.unkeyedContainer() {
            var fields: [FieldSpec] = []
            while !list.isAtEnd {
                fields.append(try list.decode(FieldSpec.self))
            }
            self.fields = fields
            return
        }
        let map = try decoder.container(keyedBy: NameKey.self)
        var fields: [FieldSpec] = []
        for key in map.allKeys {
            let body = try map.nestedContainer(keyedBy: FieldSpec.CodingKeys.self, forKey: key)
            fields.append(try FieldSpec(name: key.stringValue, container: body))
        }
        self.fields = fields
    }
}
