import Foundation

/// One SQL model of `Pipelines/models/`: a `SELECT` whose result becomes the table `schema.name`, rebuilt whole
/// on each run and swapped in atomically, or, for an incremental model, recomputed only for the keys its inputs
/// changed and merged in (see `Materialization`).
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
/// -- materialized: incremental           (table, the default, incremental or view: see `Materialization`)
/// -- incremental_keys: SELECT person_id FROM {{ changes('core.clean_population') }}
/// -- source_indexes: core.clean_population (citizen_id)   (indexes its key list needs on clean tables)
/// -- full_build_when: (SELECT max(period) FROM …) > (SELECT max(period) FROM …)   (a full build without listing keys)
/// -- partition_by: period                (an incremental model's table, one partition per value of this key column)
/// -- partition_values: SELECT period FROM {{ changes('core.clean_insurance') }}   (the values a night's changes bring)
/// SELECT … FROM {{ ref('core.person') }} AS p JOIN ref.admin_unit_2025 AS u USING (ward_code)
/// ```
///
/// `{{ ref('schema.name') }}` names another model: it becomes that table's name, and a dependency, as in dbt.
/// Other tables (`ref.*`, `staging.*`, `citypipe.*`) are sources and are written as they are.
///
/// An incremental model also says which of its unique keys an input's changes touch (`incremental_keys`, a
/// query; repeated lines join): there, `{{ changes('core.clean_FEED') }}` is the clean rows written since the
/// model's last build (deletions included: they carry `_deleted_at`), and `{{ changes('schema.model') }}` the rows
/// an incremental model upstream changed since then, each in its old (`_change = '-'`) and new (`'+'`) version;
/// `{{ added_or_removed('schema.model', 'key', …) }}` is the keys of such a model whose row appeared or went (not
/// those only updated), for a model that reads only whether the row exists.
/// In the query, `{{ affected('expression', …) }}` (one expression per unique-key column) is `true` in a full
/// build and, in an incremental one, true only for the keys to recompute: it lets the query skip the rest early.
///
/// An incremental model kept by adding (`-- incremental_strategy: sum`) is an aggregate of counts over incremental
/// models read with `{{ signed('schema.model') }}`: every row of the model with `_sign` 1 in a full build, and in an
/// incremental one only the rows it changed since, each old version with `_sign` -1 and each new one with 1. Its
/// columns besides the unique key are integer sums of `_sign` (`sum(_sign)`, `sum(CASE WHEN … THEN _sign ELSE 0
/// END)`); a build adds the changes' sums to the table's, and a group whose sums all come to zero goes.
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

    /// How the table is kept up to date.
    public enum Materialization: String, Sendable, Hashable {
        /// Rebuilt whole on every run, and swapped in.
        case table
        /// Rebuilt whole the first time, with `--full`, when its SQL changed or when an input was rebuilt whole;
        /// otherwise only the unique keys listed by `incrementalKeys` are recomputed and merged in, in one
        /// transaction, and the rows that changed are recorded for the incremental models that read it.
        case incremental
        /// A view over other models, made again only when its SQL changed or it is missing: for a join whose
        /// parts change at different paces (a person's record and the latest month's insurance), where a table would
        /// be rewritten whole each time the faster part moves. A full build of a model it reads keeps it (it is made
        /// again in that build's transaction). No model reads a view model: they read its inputs.
        case view
    }

    /// `-- materialized:`.
    public let materialized: Materialization

    /// How an incremental build brings its rows up to date (`-- incremental_strategy:`, as dbt names it).
    public enum IncrementalStrategy: String, Sendable, Hashable {
        /// The rows of the keys its inputs' changes touch are recomputed by the query and replaced where they differ.
        case merge
        /// The query, run over the signed changes of its inputs (`signed()`), gives each touched group's change of
        /// its sums, added to the table's: the cost follows the changes, not the groups' sizes.
        case sum
    }

    /// Incremental models: `-- incremental_strategy:` (`merge` when not given).
    public let strategy: IncrementalStrategy
    /// Incremental models (`merge`): the query listing the unique keys to recompute, refs resolved, each `changes()`
    /// replaced by `ModelChanges.viewName(of:)` (a temporary view the build creates). Nil for `sum`.
    public let incrementalKeys: String?
    /// Incremental models: a boolean SQL expression (`-- full_build_when:`, refs resolved) that, when true before a
    /// build, makes it a full one without listing the keys first: for a change known to touch most rows (a new
    /// latest period that every row shows), where listing them would cost as much as the build.
    public let fullBuildWhen: String?
    /// Incremental models: the query of an incremental build, `affected()` restricted to the keys to recompute
    /// (`sql` has it `true`); for `sum`, the query over the signed changes of its inputs (each `signed()` reading
    /// `ModelChanges.viewName(of:)`), which gives each touched group's change of its sums.
    public let incrementalSQL: String?
    /// Incremental models: the inputs read with `changes()`, `added_or_removed()` or `signed()`, sorted (clean tables
    /// and incremental models).
    public let changeSources: [String]
    /// Incremental models: the unique-key column its table is partitioned by (`-- partition_by: period`), one
    /// partition per value (`PARTITION BY LIST`). An incremental build makes a value's partition whole and attaches
    /// it when the value is new (a new month), instead of inserting its rows into the indexes of every other month.
    public let partitionBy: String?
    /// Incremental models with `partitionBy`: a query (`-- partition_values:`, over the same `changes()` views as the
    /// key list, each replaced by its view's name) giving the values of that column its inputs' changes bring. A
    /// value whose partition does not exist yet is built whole from the model's query, apart, before the keys are
    /// listed, and the key list leaves that value out: a new month's keys are never listed. Listed, the 300,000 keys
    /// of an insurance month at scale 1 were hashed twice, written to a temporary table, counted and deleted again
    /// (1.2 s) to find what a look at the month's clean rows says. A value it misses is still found among the keys.
    public let partitionValues: String?
    /// Incremental models: the `added_or_removed()` of its key list.
    public let addedOrRemoved: [KeyedSource]

    /// `{{ added_or_removed('schema.model', 'key', …) }}` in a key list: the unique keys of an incremental model
    /// upstream whose row appeared or went since the reader's last build, leaving out those only updated. For a
    /// model that reads only whether a row of the other exists (a link by ID), an update there changes nothing.
    public struct KeyedSource: Sendable, Hashable {
        /// The incremental model.
        public let model: String
        /// Its unique key's columns.
        public let key: [String]

        public init(model: String, key: [String]) {
            self.model = model
            self.key = key
        }

        /// The keys as a subquery over the model's changes view. A key existed before the changes when its first
        /// recorded row is an old one (`-`), and exists after them when its last is a new one (`+`); an update
        /// records both at one time, the old first.
        var addedOrRemovedQuery: String {
            let columns = key.joined(separator: ", ")
            return """
                (SELECT \(columns) FROM \(ModelChanges.viewName(of: model)) GROUP BY \(columns) \
                HAVING ((array_agg(_change ORDER BY _changed_at, _change = '+'))[1] = '-') \
                <> ((array_agg(_change ORDER BY _changed_at DESC, _change = '+' DESC))[1] = '+'))
                """
        }
    }
    /// The tables and views its query names (`schema.name`, refs included), sorted: what a table model's rebuild
    /// waits on (it is skipped when none of them changed since its last build).
    public let sources: [String]
    /// Indexes on clean tables that an incremental model's key list joins on (`-- source_indexes:
    /// core.clean_insurance (citizen_id); …`): made, if missing, before its build, so that the keys a change touches
    /// are found by index instead of by reading the whole table. Each is the table and its column list.
    public let sourceIndexes: [SourceIndex]

    /// An index on a source table (see `sourceIndexes`).
    public struct SourceIndex: Sendable, Hashable {
        /// `core.clean_FEED`.
        public let table: String
        /// Its columns, comma-separated as written.
        public let columns: String

        public init(table: String, columns: String) {
            self.table = table
            self.columns = columns
        }
    }

    /// Why its result may differ from one build to the next with the same inputs (it reads the date or clock, or
    /// the run log), if it does: such a model is rebuilt on every run.
    public let volatility: String?

    /// Every relation a build of it may read: those of its query, of its incremental query, key list,
    /// `full_build_when` and `partition_values`, and the inputs of its `changes()` and `signed()`; sorted.
    public var relationsRead: [String] {
        let texts = [sql, incrementalSQL ?? "", incrementalKeys ?? "", fullBuildWhen ?? "", partitionValues ?? ""].joined(separator: "\n")
        return Array(Set(SQLModel.sources(of: texts).sources + changeSources)).sorted()
    }

    /// Default of `timeout`: 30 minutes.
    public static let defaultTimeoutSeconds = 1_800

    /// The schema part of `name`.
    public var schema: String { String(name.prefix { $0 != "." }) }
    /// The table part of `name`.
    public var table: String { String(name.drop { $0 != "." }.dropFirst()) }

    /// Each of `indexes` as it follows `CREATE INDEX name ON table`: a column list in parentheses, an expression
    /// starting with `USING` as it is written. The table's Nth index is named `TABLE_N`.
    var indexClauses: [String] {
        indexes.map { $0.uppercased().hasPrefix("USING ") ? $0 : "(\($0))" }
    }

    /// What a build's result depends on besides its inputs: the queries; another one means a full build.
    public var definition: String {
        [sql, incrementalSQL ?? "", incrementalKeys ?? ""].joined(separator: "\n--\n") + (fullBuildWhen.map { "\n--\n" + $0 } ?? "")
            + (partitionBy.map { "\n-- partition_by: " + $0 } ?? "") + (strategy == .merge ? "" : "\n-- incremental_strategy: " + strategy.rawValue)
    }

    /// Creates a model (the catalog parses files into these).
    public init(
        name: String, file: String, sql: String, dependencies: [String], description: String? = nil,
        uniqueKey: [String] = [], indexes: [String] = [], timeoutSeconds: Int = SQLModel.defaultTimeoutSeconds,
        personal: [PersonalColumn] = [], suppress: [String] = [], collection: Collection? = nil,
        materialized: Materialization = .table, incrementalKeys: String? = nil, incrementalSQL: String? = nil, changeSources: [String] = [],
        sources: [String]? = nil, volatility: String? = nil, sourceIndexes: [SourceIndex] = [], fullBuildWhen: String? = nil,
        addedOrRemoved: [KeyedSource] = [], partitionBy: String? = nil, partitionValues: String? = nil, strategy: IncrementalStrategy = .merge
    ) {
        self.strategy = strategy
        self.partitionValues = partitionValues
        self.addedOrRemoved = addedOrRemoved
        self.partitionBy = partitionBy
        self.sourceIndexes = sourceIndexes
        self.fullBuildWhen = fullBuildWhen
        let found = SQLModel.sources(of: sql)
        self.sources = sources ?? found.sources
        self.volatility = sources == nil ? found.volatility : volatility
        self.materialized = materialized
        self.incrementalKeys = incrementalKeys
        self.incrementalSQL = incrementalSQL
        self.changeSources = changeSources
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

    /// The relations `sql` names (`schema.name` in core, integrated, ref, staging, citypipe; a name followed by
    /// `(` is a function, not counted) and, if it reads the date or clock (or calls `random()`), which.
    static func sources(of sql: String) -> (sources: [String], volatility: String?) {
        let relation = #"\b(core|integrated|ref|staging|citypipe|citypipe_delta)\.([a-z_][a-z0-9_]*)\b(\s*\()?"#
        var names: Set<String> = []
        if let regex = try? NSRegularExpression(pattern: relation) {
            for match in regex.matches(in: sql, range: NSRange(sql.startIndex..., in: sql)) where match.range(at: 3).location == NSNotFound {
                guard let schema = Range(match.range(at: 1), in: sql), let table = Range(match.range(at: 2), in: sql) else { continue }
                names.insert("\(sql[schema]).\(sql[table])")
            }
        }
        let clock = #"(?i)\b(current_date|current_timestamp|current_time|localtimestamp|localtime|now\s*\(|clock_timestamp|statement_timestamp|transaction_timestamp|timeofday|random\s*\(|age\s*\()"#
        var volatility: String? = nil
        if let regex = try? NSRegularExpression(pattern: clock),
           let match = regex.firstMatch(in: sql, range: NSRange(sql.startIndex..., in: sql)), let range = Range(match.range(at: 1), in: sql) {
            volatility = "it reads \(sql[range].lowercased().replacingOccurrences(of: " ", with: ""))\(sql[range].hasSuffix("(") ? ")" : "")"
        }
        return (names.sorted(), volatility)
    }
}
