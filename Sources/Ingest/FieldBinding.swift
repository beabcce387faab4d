/// How one staging column is filled: from which source path of a decoded record, as which SQL type, and
/// whether a record without it is rejected. Built from a manifest's `fields`.
public struct FieldBinding: Sendable, Equatable {
    /// The staging column.
    public let name: String
    /// Where the value is in a decoded record (`address.ward_code`, a CSV header, `TONG_HOP/MA_LK`).
    public let sourcePath: String
    /// One of `StagingSchema.allowedTypes`.
    public let sqlType: String
    public let required: Bool
    /// The source's layout of a date, when it is not ISO or d/m/yyyy: `yyyy-MM` (a month, stored as its first
    /// day), `yyyyMMdd`.
    public let format: String?

    public init(name: String, sourcePath: String, sqlType: String, required: Bool = false, format: String? = nil) {
        self.name = name
        self.sourcePath = sourcePath
        self.sqlType = sqlType
        self.required = required
        self.format = format
    }
}
