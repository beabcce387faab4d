import Manifest
import Normalize

/// What the transform stage does with one feed, read from its manifest: every declared field goes to
/// `core.clean_FEED` under the same name; a text field with a `semantic` goes through that normaliser (its
/// value becomes the normal form, a failure becomes null plus a quality flag and a reject), and some semantics
/// add a derived column beside it:
///
/// | semantic | column | derived |
/// |---|---|---|
/// | `vn_person_name` | canonical name | `FIELD_key`: the diacritics-folded match key |
/// | `vn_admin_unit` | post-2025 ward code | `FIELD_old`: the pre-2025 code when the record gave an old unit |
/// | `vn_tax_code` | canonical code (branches `0100233488-001`) | `FIELD_parent`: the parent enterprise's code |
/// | `vn_citizen_id`, `vn_phone`, `legacy_text`, `vn2000_point` | normal form | — |
/// | `date_dmy`, `date_iso` | `date` | — |
/// | `timestamp` | `timestamptz` | — |
///
/// The `vn_admin_unit` fields together place the record (`PlaceResolver`, the manifest's `place`): `_ward` holds
/// its post-2025 ward and `_ward_rule` the fields that decided it; a field that alone names several wards reads as
/// the record's ward when that is one of them; a place left ambiguous, unresolved or in conflict is flagged in
/// `_quality` (`_ward:ambiguous`…).
///
/// Fields the ingest stage already typed (date, timestamptz, numbers) are copied as they are. A primary-key field
/// keeps its staged value (the record's identity) and gets its normal form in `FIELD_norm` instead. Admin units
/// and phones are read as of the record's date: the manifest's `record_date` (a year means its 31 December),
/// else the incremental cursor field when it is a date or timestamp, else — for a snapshot, which describes
/// the present — the day of the transform.
public struct FeedNormalization: Sendable {
    /// One output column.
    public struct Column: Sendable, Equatable {
        public let name: String
        public let sqlType: String
    }

    /// How one input field is treated.
    struct Field: Sendable {
        let name: String
        let stagingType: String
        let semantic: Semantic?
        let isKey: Bool
    }

    /// Where a record's as-of date comes from.
    enum RecordDate: Sendable, Equatable {
        /// A date or timestamptz field.
        case field(String)
        /// An integer field holding a year: its 31 December.
        case year(String)
        /// The day the transform runs.
        case today
        case none

        var column: String? {
            switch self {
            case .field(let name), .year(let name): return name
            case .today, .none: return nil
            }
        }
    }

    public let feed: String
    public let primaryKey: [String]
    let fields: [Field]
    /// What dates the record (for admin-unit eras and phone prefixes).
    let recordDate: RecordDate
    /// Positions in `fields` of the admin-unit fields that place a record, most trusted first.
    let placeFields: [Int]
    /// The province the feed is about (post-2025 code), from the manifest's `place.province`.
    public let province: String?
    /// `core.clean_FEED` is cut by period as `staging.FEED` is (manifest `partition_by`); nil: one table.
    public let partitioning: PeriodPartitioning?

    /// Bumped when a normaliser's output changes, so that rows already clean are normalised again.
    public static let version = "2"

    public init(manifest: ConnectorManifest) {
        feed = manifest.name
        partitioning = manifest.partitionBy
        primaryKey = manifest.primaryKey
        let fields = manifest.fields.map { field in
            let semantic = field.type == .text ? field.semantic.flatMap(Semantic.init(rawValue:)) : nil
            return Field(name: field.name, stagingType: field.type.rawValue, semantic: semantic, isKey: manifest.primaryKey.contains(field.name))
        }
        self.fields = fields
        let admin = fields.indices.filter { fields[$0].semantic == .vnAdminUnit }
        if let named = manifest.place?.fields {
            placeFields = named.compactMap { name in admin.first { fields[$0].name == name } }
        } else {
            placeFields = admin
        }
        province = manifest.place?.province
        columns = FeedNormalization.columns(of: fields, hasPlace: !placeFields.isEmpty)
        let named = (manifest.recordDate ?? manifest.incremental?.cursorField).flatMap { name in manifest.fields.first { $0.name == name } }
        if let field = named, field.type == .date || field.type == .timestamptz {
            recordDate = .field(field.name)
        } else if let field = named, manifest.recordDate != nil, field.type == .integer || field.type == .bigint {
            recordDate = .year(field.name)
        } else {
            recordDate = manifest.incremental == nil ? .today : .none
        }
    }

    /// Whether the feed has anything to normalise (a field with a semantic).
    public var hasSemantics: Bool { fields.contains { $0.semantic != nil } }

    /// The table the feed's clean rows go to.
    public var table: String { "core.clean_\(feed)" }

    /// The columns of `core.clean_FEED` before the bookkeeping ones, in order.
    public let columns: [Column]

    /// The columns of a plan's fields and place (computed once: the normaliser sizes every row by them).
    static func columns(of fields: [Field], hasPlace: Bool) -> [Column] {
        fields.flatMap { field -> [Column] in
            guard let semantic = field.semantic else { return [Column(name: field.name, sqlType: field.stagingType)] }
            let kept = field.isKey ? [Column(name: field.name, sqlType: field.stagingType)] : []
            let normal = Column(name: field.isKey ? "\(field.name)_norm" : field.name, sqlType: FeedNormalization.sqlType(of: semantic))
            let derived = FeedNormalization.derivedSuffix(of: semantic).map { [Column(name: field.name + $0, sqlType: "text")] } ?? []
            return kept + [normal] + derived
        } + (hasPlace ? [Column(name: "_ward", sqlType: "text"), Column(name: "_ward_rule", sqlType: "text")] : [])
    }

    /// What the clean rows depend on besides the staged data: the normalisers' version, the columns, the place's
    /// fields and province. A watermark written under another signature does not hold.
    public var signature: String {
        let place = placeFields.map { fields[$0].name }.joined(separator: ",") + "@" + (province ?? "")
        return "v\(FeedNormalization.version);" + columns.map { "\($0.name) \($0.sqlType)" }.joined(separator: ",") + ";" + place
    }

    /// Whether records have a place (`_ward`).
    public var hasPlace: Bool { !placeFields.isEmpty }

    /// The column type of a semantic's normal form.
    static func sqlType(of semantic: Semantic) -> String {
        switch semantic {
        case .dateDMY, .dateISO: return "date"
        case .timestamp: return "timestamptz"
        default: return "text"
        }
    }

    /// The suffix of the column that holds a normaliser's key beside the value, for the semantics that have one.
    static func derivedSuffix(of semantic: Semantic) -> String? {
        switch semantic {
        case .vnPersonName: return "_key"
        case .vnAdminUnit: return "_old"
        case .vnTaxCode: return "_parent"
        default: return nil
        }
    }
}
