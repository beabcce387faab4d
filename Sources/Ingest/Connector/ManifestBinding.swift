import Manifest

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
            drift: drift)
    }

    /// How decoded records become staged ones.
    public func recordTyper() -> RecordTyper {
        RecordTyper(
            feed: name,
            bindings: fields.map {
                FieldBinding(name: $0.name, sourcePath: $0.path, sqlType: $0.type.stagingType, required: $0.required, format: $0.format)
            },
            primaryKey: primaryKey)
    }
}

extension SQLType {
    /// The PostgreSQL type of a staging column (the manifest's names are PostgreSQL's).
    var stagingType: String { rawValue }
}
