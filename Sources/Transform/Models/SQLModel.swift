import Foundation

/// One SQL model of `Pipelines/models/`: a `SELECT` whose result becomes the table `schema.name`, rebuilt whole
/// on each run and swapped in atomically.
///
/// A model file starts with a header of `-- key: value` comment lines, then the query:
///
/// ```sql
/// -- description: One row per post-2025 ward of the province: the spine every place joins to.
/// -- unique_key: ward_code
/// -- indexes: province_code; ward_type, ward_name
/// -- depends_on: core.person          (a dependency the query does not name with ref)
/// -- timeout: 20m                      (longest build, `s`, `m` or `h`; default 30m)
/// -- personal: person_id (identifier), full_name (name), birth_date (birth_date)
/// -- suppress: population               (counts of people a viewer sees only from 5 up)
/// -- collection: wards (geom)            (an OGC API – Features collection, and its geometry column)
/// -- collection_min_zoom: 14             (its vector tiles are empty below this zoom)
/// -- collection_time: valid_from, valid_to   (its time: an instant, or the start and end of validity)
/// SELECT … FROM {{ ref('core.person') }} AS p JOIN ref.admin_unit_2025 AS u USING (ward_code)
/// ```
///
/// `{{ ref('schema.name') }}` names another model: it becomes that table's name, and a dependency, as in dbt.
/// Other tables (`ref.*`, `staging.*`, `citypipe.*`) are sources and are written as they are.
public struct SQLModel: Sendable, Hashable {
    /// `schema.name`, from the file's place: `models/integrated/commune_profile.sql` → `integrated.commune_profile`.
    public let name: String
    /// The file, as shown in errors.
    public let file: String
    /// The query with its refs replaced by table names.
    public let sql: String
    /// Models this one reads, sorted.
    public let dependencies: [String]
    public let description: String?
    /// Columns that identify a row: become the table's primary key (checked on every build).
    public let uniqueKey: [String]
    /// Indexes to build, each a list of columns (or an expression such as `USING gist (geom)`).
    public let indexes: [String]
    /// The longest a build may take (PostgreSQL's `statement_timeout` for each of its statements), in seconds.
    public let timeoutSeconds: Int

    /// Columns holding personal data (Decree 13/2023/NĐ-CP) and what kind: how each role sees them.
    public let personal: [PersonalColumn]
    /// Counts of people that a viewer sees only when at least 5 (small-cell suppression).
    public let suppress: [String]

    /// An OGC API – Features collection the model is published as.
    public struct Collection: Sendable, Hashable {
        /// The collection's id in `/ogc/collections/{id}`.
        public let id: String
        /// Its geometry column.
        public let geometry: String
        /// Its time: one column (an instant) or two (validity from, to; an open start or end is null).
        public let time: [String]
        /// The lowest zoom its vector tiles hold features at (`collection_min_zoom`): a layer of small features
        /// (land parcels) is empty below it, where one tile would hold the whole province.
        public let minZoom: Int

        public init(id: String, geometry: String, time: [String] = [], minZoom: Int = 0) {
            self.id = id
            self.geometry = geometry
            self.time = time
            self.minZoom = minZoom
        }
    }

    /// The OGC API collection the model is published as, if any.
    public let collection: Collection?

    /// Default of `timeout`: 30 minutes.
    public static let defaultTimeoutSeconds = 1_800

    /// The schema part of `name`.
    public var schema: String { String(name.prefix { $0 != "." }) }
    /// The table part of `name`.
    public var table: String { String(name.drop { $0 != "." }.dropFirst()) }

    /// Creates a model (the catalog parses files into these).
    public init(
        name: String, file: String, sql: String, dependencies: [String], description: String? = nil,
        uniqueKey: [String] = [], indexes: [String] = [], timeoutSeconds: Int = SQLModel.defaultTimeoutSeconds,
        personal: [PersonalColumn] = [], suppress: [String] = [], collection: Collection? = nil
    ) {
        self.collection = collection
        self.personal = personal
        self.suppress = suppress
        self.timeoutSeconds = timeoutSeconds
        self.name = name
        self.file = file
        self.sql = sql
        self.dependencies = dependencies
        self.description = description
        self.uniqueKey = uniqueKey
        self.indexes = indexes
    }
}
