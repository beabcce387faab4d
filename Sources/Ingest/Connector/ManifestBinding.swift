import Manifest
import Decoders

/// What a manifest means for staging: the table's schema and how records are typed.
extension ConnectorManifest {
    /// The staging table of this feed.
    public func stagingSchema() throws(StagingError) -> StagingSchema {
        let drift: StagingSchema.DriftPolicy
        switch schemaDrift {
        case .ignore: drift = .ignore
        case .propagate: drift = .propagate
        case .fail: drift = .fail
        }
        return try StagingSchema(
            feed: name, columns: fields.map { .init(name: $0.name, sqlType: $0.type.stagingType) }, primaryKey: primaryKey,
            drift: drift,
            partitioning: partitionBy.map {
                StagingSchema.Partitioning(
                    column: $0.field, interval: $0.interval.rawValue, since: incremental?.startDatetime, periodCanChange: $0.periodCanChange)
            })
    }

    /// How decoded records become staged ones.
    public func recordTyper() -> RecordTyper {
        RecordTyper(
            feed: name,
            bindings: fields.map {
                FieldBinding(
                    name: $0.name, sourcePath: kind.isJSON ? Self.flattened($0.path) : $0.path, sqlType: $0.type.stagingType,
                    required: $0.required, format: $0.format)
            },
            primaryKey: primaryKey)
    }

    /// A JSON field path as the readers flatten a record's members (`Datastream.@iot.id`, `identifier[0].value`):
    /// a name written in quoted brackets because it holds a dot (`Datastream['@iot.id']`) is a member like any other.
    static func flattened(_ path: String) -> String {
        guard path.contains("['") || path.contains("[\""), let parsed = JSONPath(path) else { return path }
        var text = ""
        for step in parsed.steps {
            switch step {
            case .key(let key): text += text.isEmpty ? key : "." + key
            case .index(let n): text += "[\(n)]"
            case .match: return path
            }
        }
        return text
    }
}

extension SQLType {
    /// The PostgreSQL type of a staging column (the manifest's names are PostgreSQL's).
    var stagingType: String { rawValue }
}
