import Foundation
import Transform

/// A view the API serves: one SQL model's table, its columns as built, and what its header declares.
public struct ViewDescriptor: Sendable {
    /// `schema.table`, e.g. `integrated.commune_profile`.
    public let name: String
    public let description: String?
    /// Columns in table order; empty when the model has not been built yet.
    public let columns: [ViewColumn]
    /// The model's unique key: every page is ordered by it last, so pages never overlap or skip.
    public let uniqueKey: [String]
    /// The feeds the view is built from (through its models), for freshness.
    public let feeds: [String]
    /// The last successful build, when there is one.
    public let build: Build?
    /// PostgreSQL's estimate of its rows (`pg_class.reltuples`), -1 when never analysed.
    public let estimatedRows: Int64
    /// The OGC API collection the model's header publishes it as.
    public let collection: SQLModel.Collection?

    /// One build of the view's table.
    public struct Build: Sendable, Equatable {
        public let runID: Int64
        public let modelRunID: Int64
        public let finishedAt: Date
    }

    public var isBuilt: Bool { !columns.isEmpty }
    public var schema: String { String(name.prefix { $0 != "." }) }
    public var table: String { String(name.drop { $0 != "." }.dropFirst()) }

    /// True when any column holds personal data: viewers and operators never read such a view.
    public var isPersonal: Bool { columns.contains { $0.personal != nil } }

    /// The first geometry column, if any (GeoJSON's geometry).
    public var geometryColumn: String? { columns.first { $0.category == .geometry }?.name }

    /// The column naming the person a row is about, for the audit log: the identifier `person_id`, else one
    /// ending in `person_id`, else the first identifier.
    public var subjectColumn: String? {
        let identifiers = columns.filter { $0.personal == .identifier }.map(\.name)
        return identifiers.first { $0 == "person_id" } ?? identifiers.first { $0.hasSuffix("person_id") } ?? identifiers.first
    }

    public func column(_ name: String) -> ViewColumn? { columns.first { $0.name == name } }

    /// `"schema"."table"`, quoted.
    var quotedTable: String { "\(SQLText.identifier(schema)).\(SQLText.identifier(table))" }
}
