import Foundation

/// Reads `Pipelines/models/SCHEMA/NAME.sql`: every model with its header, its refs resolved and checked,
/// and the dependency graph checked for cycles.
public struct ModelCatalog: Sendable {
    /// The models by name.
    public let models: [String: SQLModel]

    /// Schemas a model may be built in.
    public static let schemas: Set<String> = ["core", "integrated"]
    static let headerKeys = ["description", "unique_key", "indexes", "depends_on", "timeout", "personal", "suppress", "collection", "collection_time",
                              "collection_min_zoom", "materialized", "incremental_keys",
                              "source_indexes", "full_build_when", "partition_by", "partition_values", "incremental_strategy"]

    /// Reads every `*.sql` under `directory` (one folder per schema); `display` prefixes file names in errors.
    public init(directory: URL, display: String = "Pipelines/models") throws(ModelError) {
        var models: [String: SQLModel] = [:]
        let manager = FileManager.default
        let schemas = ((try? manager.contentsOfDirectory(atPath: directory.path)) ?? []).sorted()
        for schema in schemas {
            let folder = directory.appendingPathComponent(schema, isDirectory: true)
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
            let files = ((try? manager.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".sql") }.sorted()
            for file in files {
                let shown = "\(display)/\(schema)/\(file)"
                guard ModelCatalog.schemas.contains(schema) else {
                    throw .invalid(file: shown, line: 0, message: "models are built in \(ModelCatalog.schemas.sorted().joined(separator: " or ")), not \(schema)")
                }
                guard let text = try? String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8) else {
                    throw .invalid(file: shown, line: 0, message: "cannot read the file as UTF-8 text")
                }
                let model = try ModelCatalog.parse(text, name: "\(schema).\(file.dropLast(4))", file: shown)
                models[model.name] = model
            }
        }
        try self.init(models: Array(models.values))
    }

    /// A catalog of parsed models; refs to unknown models and cycles are errors.
    public init(models list: [SQLModel]) throws(ModelError) {
        var models: [String: SQLModel] = [:]
        for model in list { models[model.name] = model }
        for model in models.values.sorted(by: { $0.name < $1.name }) {
            for dependency in model.dependencies where models[dependency] == nil {
                throw .invalid(file: model.file, line: 0, message: "ref('\(dependency)') is not a model (models: \(models.keys.sorted().joined(separator: ", ")))")
            }
            for dependency in model.dependencies where models[dependency]?.materialized == .view {
                throw .invalid(
                    file: model.file, line: 0,
                    message: "ref('\(dependency)'): \(dependency) is a view model, read by the API and analysts; a model reads the models it is made of")
            }
        }
        for model in models.values.sorted(by: { $0.name < $1.name }) {
            for keyed in model.addedOrRemoved where models[keyed.model]?.materialized == .incremental && models[keyed.model]?.uniqueKey != keyed.key {
                throw .invalid(
                    file: model.file, line: 0,
                    message: "added_or_removed('\(keyed.model)', …) names the unique key of \(keyed.model): \((models[keyed.model]?.uniqueKey ?? []).map { "'\($0)'" }.joined(separator: ", ")), not \(keyed.key.map { "'\($0)'" }.joined(separator: ", "))")
            }
            for source in model.changeSources where !ModelChanges.isCleanTable(source) {
                guard models[source]?.materialized == .incremental else {
                    throw .invalid(
                        file: model.file, line: 0,
                        message: "changes('\(source)'): changes are recorded for core.clean_* tables and incremental models; \(source) is \(models[source] == nil ? "neither" : "a table model (make it incremental, or list its keys another way)")")
                }
            }
        }
        self.models = models
        _ = try order()
    }

    /// The incremental models that read `name` with `changes()`: its builds record their changed rows for them.
    public func changeReaders(of name: String) -> [String] {
        models.values.filter { $0.changeSources.contains(name) }.map(\.name).sorted()
    }

    /// Whether an incremental model reads `name` (with ref): its builds then record whether its content changed.
    public func hasIncrementalReader(_ name: String) -> Bool {
        models.values.contains { $0.materialized == .incremental && $0.dependencies.contains(name) }
    }

    /// Every model in an order where each comes after what it reads (ties by name).
    public func order() throws(ModelError) -> [String] {
        var remaining = Dictionary(uniqueKeysWithValues: models.values.map { ($0.name, Set($0.dependencies)) })
        var result: [String] = []
        while !remaining.isEmpty {
            let ready = remaining.filter { $0.value.isEmpty }.keys.sorted()
            guard !ready.isEmpty else { throw .cycle(ModelCatalog.findCycle(in: remaining)) }
            for name in ready {
                result.append(name)
                remaining[name] = nil
            }
            for key in remaining.keys { remaining[key]?.subtract(ready) }
        }
        return result
    }

    /// The models named and everything they read, transitively (all when `names` is empty).
    public func selection(_ names: [String]) throws(ModelError) -> [SQLModel] {
        guard !names.isEmpty else { return models.values.sorted { $0.name < $1.name } }
        var chosen: Set<String> = []
        var stack: [String] = []
        for name in names {
            guard models[name] != nil else { throw .unknownModel(name, known: models.keys.sorted()) }
            stack.append(name)
        }
        while let name = stack.popLast() {
            guard chosen.insert(name).inserted, let model = models[name] else { continue }
            stack += model.dependencies
        }
        return chosen.sorted().compactMap { models[$0] }
    }

    // MARK: - Parsing

    /// Parses one model file.
    static func parse(_ text: String, name: String, file: String) throws(ModelError) -> SQLModel {
        guard name.range(of: #"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$"#, options: .regularExpression) != nil else {
            throw .invalid(file: file, line: 0, message: "a model's file name is lower-case letters, digits and _ (it becomes \(name))")
        }
        var header: [String: (value: String, line: Int)] = [:]
        let lines = text.components(separatedBy: "\n")
        var bodyStart = 0
        for (index, line) in lines.enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("--") else {
                if trimmed.isEmpty { continue }
                bodyStart = index
                break
            }
            bodyStart = index + 1
            let comment = trimmed.dropFirst(2).trimmingCharacters(in: .whitespaces)
            guard let colon = comment.firstIndex(of: ":") else { continue }
            let key = comment[..<colon].trimmingCharacters(in: .whitespaces)
            guard key.range(of: #"^[a-z_]+$"#, options: .regularExpression) != nil else { continue }
            guard headerKeys.contains(key) else {
                throw .invalid(file: file, line: index + 1, message: "unknown header key '\(key)' (keys: \(headerKeys.joined(separator: ", ")))")
            }
            let value = comment[comment.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if let earlier = header[key] {
                header[key] = (earlier.value + " " + value, earlier.line)
            } else {
                header[key] = (value, index + 1)
            }
        }
        let body = lines[bodyStart...].joined(separator: "\n")
        let materialized: SQLModel.Materialization
        if let given = header["materialized"] {
            guard let value = SQLModel.Materialization(rawValue: given.value) else {
                throw .invalid(file: file, line: given.line, message: "materialized: '\(given.value)' is table, incremental or view")
            }
            materialized = value
            if value == .view, let indexes = header["indexes"] {
                throw .invalid(
                    file: file, line: indexes.line,
                    message: "a view model has no indexes of its own: index the models it reads (or make it a table)")
            }
        } else {
            materialized = .table
        }
        var strategy = SQLModel.IncrementalStrategy.merge
        if let given = header["incremental_strategy"] {
            guard materialized == .incremental else {
                throw .invalid(file: file, line: given.line, message: "incremental_strategy is for incremental models (-- materialized: incremental)")
            }
            guard let value = SQLModel.IncrementalStrategy(rawValue: given.value) else {
                throw .invalid(file: file, line: given.line, message: "incremental_strategy: '\(given.value)' is merge (the default) or sum")
            }
            strategy = value
        }
        let uniqueKey = header["unique_key"].map { list($0.value, separator: ",") } ?? []
        let macros = try ModelMacro.scan(body, file: file, firstLine: bodyStart + 1)
        var refs: [String] = []
        var signed: [String] = []
        for macro in macros {
            switch macro.name {
            case "ref" where strategy == .sum:
                throw .invalid(
                    file: file, line: macro.line,
                    message: "a model kept by adding (incremental_strategy: sum) reads its inputs with signed(), not ref(): a change to a ref()'d model would not reach its sums")
            case "ref": refs.append(try modelName(macro, file: file))
            case "signed":
                guard strategy == .sum else {
                    throw .invalid(
                        file: file, line: macro.line,
                        message: "signed() is for incremental models kept by adding (-- incremental_strategy: sum); read a model with ref()")
                }
                let source = try modelName(macro, file: file)
                guard !ModelChanges.isCleanTable(source) else {
                    throw .invalid(
                        file: file, line: macro.line,
                        message: "signed('\(source)'): a clean table keeps no old version of the rows it changes; read an incremental model built from it")
                }
                signed.append(source)
            case "affected":
                guard materialized == .incremental, strategy == .merge else {
                    throw .invalid(
                        file: file, line: macro.line,
                        message: strategy == .sum
                            ? "affected() is for incremental models that recompute their keys; one kept by adding reads only its inputs' changes"
                            : "affected() is for incremental models (-- materialized: incremental)")
                }
                guard macro.arguments.count == uniqueKey.count, macro.arguments.allSatisfy({ !$0.trimmingCharacters(in: .whitespaces).isEmpty }) else {
                    throw .invalid(
                        file: file, line: macro.line,
                        message: "affected(): one expression per unique_key column (\(uniqueKey.joined(separator: ", "))), each quoted")
                }
            case "changes", "added_or_removed":
                throw .invalid(file: file, line: macro.line, message: "\(macro.name)() is read in the incremental_keys header, not in the query")
            default:
                throw .invalid(
                    file: file, line: macro.line,
                    message: "unknown macro '\(macro.name)': {{ }} holds ref(), affected() or signed() (changes() and added_or_removed() are for incremental_keys)")
            }
        }
        let sql = ModelMacro.expand(body, macros) { macro in
            switch macro.name {
            case "ref": return macro.arguments.first ?? ""
            case "signed": return "(SELECT t.*, 1 AS _sign FROM \(macro.arguments.first ?? "") AS t)"
            default: return "true"
            }
        }
        guard sql.trimmingCharacters(in: .whitespacesAndNewlines).range(of: #"^(?i)(select|with|values|table)\b"#, options: .regularExpression) != nil else {
            throw .invalid(file: file, line: bodyStart + 1, message: "a model is one query (SELECT, WITH … SELECT, VALUES or TABLE)")
        }
        var incrementalSQL: String? = nil
        var incrementalKeys: String? = nil
        var changeSources: [String] = []
        var addedOrRemoved: [SQLModel.KeyedSource] = []
        switch (materialized, header["incremental_keys"]) {
        case (.incremental, let keys) where strategy == .sum:
            if let keys {
                throw .invalid(
                    file: file, line: keys.line,
                    message: "a model kept by adding (incremental_strategy: sum) lists no keys: its groups are those its inputs' signed changes fall in")
            }
            guard !uniqueKey.isEmpty else {
                throw .invalid(file: file, line: header["materialized"]?.line ?? 0, message: "an incremental model needs its unique_key: rows are merged by it")
            }
            guard !signed.isEmpty else {
                throw .invalid(
                    file: file, line: header["incremental_strategy"]?.line ?? 0,
                    message: "a model kept by adding reads at least one incremental model with {{ signed('…') }}")
            }
            changeSources = signed
            incrementalSQL = ModelMacro.expand(body, macros) { macro in
                "(SELECT c.*, CASE WHEN c._change = '+' THEN 1 ELSE -1 END AS _sign FROM \(ModelChanges.viewName(of: macro.arguments.first ?? "")) AS c)"
            }
        case (.table, let keys?), (.view, let keys?):
            throw .invalid(file: file, line: keys.line, message: "incremental_keys is for incremental models (-- materialized: incremental)")
        case (.incremental, nil):
            throw .invalid(
                file: file, line: header["materialized"]?.line ?? 0,
                message: "an incremental model lists the keys its inputs' changes touch: -- incremental_keys: SELECT … FROM {{ changes('…') }}")
        case (.incremental, let keys?):
            guard !uniqueKey.isEmpty else {
                throw .invalid(file: file, line: header["materialized"]?.line ?? 0, message: "an incremental model needs its unique_key: rows are merged by it")
            }
            let keyMacros = try ModelMacro.scan(keys.value, file: file, firstLine: keys.line)
            for macro in keyMacros {
                switch macro.name {
                case "ref": refs.append(try modelName(macro, file: file))
                case "changes": changeSources.append(try modelName(macro, file: file))
                case "added_or_removed":
                    let keyed = try keyedSource(macro, file: file)
                    changeSources.append(keyed.model)
                    addedOrRemoved.append(keyed)
                default:
                    throw .invalid(
                        file: file, line: macro.line, message: "incremental_keys: {{ }} holds ref(), changes() or added_or_removed(), not \(macro.name)()")
                }
            }
            guard !changeSources.isEmpty else {
                throw .invalid(file: file, line: keys.line, message: "incremental_keys reads at least one {{ changes('…') }}")
            }
            incrementalKeys = ModelMacro.expand(keys.value, keyMacros) { macro in
                switch macro.name {
                case "ref": return macro.arguments.first ?? ""
                case "added_or_removed": return SQLModel.KeyedSource(model: macro.arguments[0], key: Array(macro.arguments.dropFirst())).addedOrRemovedQuery
                default: return ModelChanges.viewName(of: macro.arguments.first ?? "")
                }
            }
            let keyList = uniqueKey.joined(separator: ", ")
            incrementalSQL = ModelMacro.expand(body, macros) { macro in
                guard macro.name == "affected" else { return macro.arguments.first ?? "" }
                return "((\(macro.arguments.joined(separator: ", "))) IN (SELECT \(keyList) FROM \(ModelChanges.affectedTable)))"
            }
        case (.table, nil), (.view, nil):
            break
        }
        changeSources = Array(Set(changeSources)).sorted()
        var sourceIndexes: [SQLModel.SourceIndex] = []
        if let given = header["source_indexes"] {
            guard materialized == .incremental else {
                throw .invalid(file: file, line: given.line, message: "source_indexes is for incremental models (-- materialized: incremental)")
            }
            let pattern = #"^(core\.clean_[a-z0-9_]+)\s*\(\s*([a-z_][a-z0-9_]*(\s*,\s*[a-z_][a-z0-9_]*)*)\s*\)$"#
            for item in list(given.value, separator: ";") {
                guard let regex = try? NSRegularExpression(pattern: pattern),
                      let match = regex.firstMatch(in: item, range: NSRange(item.startIndex..., in: item)),
                      let table = Range(match.range(at: 1), in: item), let columns = Range(match.range(at: 2), in: item)
                else {
                    throw .invalid(file: file, line: given.line, message: "source_indexes: '\(item)': write core.clean_FEED (column, …), separated by ;")
                }
                sourceIndexes.append(SQLModel.SourceIndex(table: String(item[table]), columns: String(item[columns])))
            }
        }
        var fullBuildWhen: String? = nil
        if let given = header["full_build_when"] {
            guard materialized == .incremental else {
                throw .invalid(file: file, line: given.line, message: "full_build_when is for incremental models (-- materialized: incremental)")
            }
            let whenMacros = try ModelMacro.scan(given.value, file: file, firstLine: given.line)
            for macro in whenMacros {
                guard macro.name == "ref" else {
                    throw .invalid(file: file, line: macro.line, message: "full_build_when: {{ }} holds ref(), not \(macro.name)()")
                }
                refs.append(try modelName(macro, file: file))
            }
            fullBuildWhen = ModelMacro.expand(given.value, whenMacros) { $0.arguments.first ?? "" }
        }
        var partitionBy: String? = nil
        if let given = header["partition_by"] {
            guard materialized == .incremental else {
                throw .invalid(file: file, line: given.line, message: "partition_by is for incremental models (-- materialized: incremental)")
            }
            guard strategy == .merge else {
                throw .invalid(file: file, line: given.line, message: "partition_by is for incremental models that recompute their keys (incremental_strategy: merge)")
            }
            guard uniqueKey.count > 1, uniqueKey.contains(given.value) else {
                throw .invalid(
                    file: file, line: given.line,
                    message: "partition_by: '\(given.value)' must be one of the unique_key's columns, and the key needs another (\(uniqueKey.joined(separator: ", ")))")
            }
            partitionBy = given.value
        }
        var partitionValues: String? = nil
        if let given = header["partition_values"] {
            guard partitionBy != nil else {
                throw .invalid(file: file, line: given.line, message: "partition_values is for incremental models partitioned by a column (-- partition_by:)")
            }
            let valueMacros = try ModelMacro.scan(given.value, file: file, firstLine: given.line)
            for macro in valueMacros {
                guard macro.name == "changes" else {
                    throw .invalid(file: file, line: macro.line, message: "partition_values: {{ }} holds changes(), not \(macro.name)()")
                }
                let source = try modelName(macro, file: file)
                guard changeSources.contains(source) else {
                    throw .invalid(
                        file: file, line: macro.line,
                        message: "partition_values: changes('\(source)') is not read by incremental_keys (\(changeSources.joined(separator: ", "))): it reads the same changes")
                }
            }
            guard !valueMacros.isEmpty else {
                throw .invalid(file: file, line: given.line, message: "partition_values reads at least one {{ changes('…') }}")
            }
            partitionValues = ModelMacro.expand(given.value, valueMacros) { ModelChanges.viewName(of: $0.arguments.first ?? "") }
        }
        let extra = header["depends_on"].map { list($0.value, separator: ",") } ?? []
        for dependency in extra where dependency.range(of: #"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$"#, options: .regularExpression) == nil {
            throw .invalid(file: file, line: header["depends_on"]?.line ?? 0, message: "depends_on: '\(dependency)' is not a schema.name")
        }
        var timeout = SQLModel.defaultTimeoutSeconds
        if let given = header["timeout"] {
            guard let seconds = Self.seconds(given.value) else {
                throw .invalid(file: file, line: given.line, message: "timeout: '\(given.value)' is not a duration: a number with s, m or h (e.g. 20m)")
            }
            timeout = seconds
        }
        let personal = try header["personal"].map { given throws(ModelError) in
            try PersonalColumn.parseList(given.value, file: file, line: given.line)
        } ?? []
        let suppress = header["suppress"].map { list($0.value, separator: ",") } ?? []
        for column in suppress where column.range(of: #"^[a-z_][a-z0-9_]*$"#, options: .regularExpression) == nil {
            throw .invalid(file: file, line: header["suppress"]?.line ?? 0, message: "suppress: '\(column)' is not a column name")
        }
        var collection: SQLModel.Collection? = nil
        if let given = header["collection"] {
            let pattern = #"^([a-z][a-z0-9_-]{0,62})\s*\(\s*([a-z_][a-z0-9_]*)\s*\)$"#
            guard let regex = try? NSRegularExpression(pattern: pattern),
                  let match = regex.firstMatch(in: given.value, range: NSRange(given.value.startIndex..., in: given.value)),
                  let id = Range(match.range(at: 1), in: given.value), let geometry = Range(match.range(at: 2), in: given.value)
            else {
                throw .invalid(file: file, line: given.line, message: "collection: write ID (GEOMETRY_COLUMN), e.g. wards (geom)")
            }
            var time: [String] = []
            if let declared = header["collection_time"] {
                time = list(declared.value, separator: ",")
                guard (1...2).contains(time.count), time.allSatisfy({ $0.range(of: #"^[a-z_][a-z0-9_]*$"#, options: .regularExpression) != nil }) else {
                    throw .invalid(file: file, line: declared.line, message: "collection_time: one column (an instant) or two (start, end of validity)")
                }
            }
            var minZoom = 0
            if let declared = header["collection_min_zoom"] {
                guard let zoom = Int(declared.value.trimmingCharacters(in: .whitespaces)), (0...24).contains(zoom) else {
                    throw .invalid(file: file, line: declared.line, message: "collection_min_zoom: a zoom level from 0 to 24")
                }
                minZoom = zoom
            }
            collection = SQLModel.Collection(
                id: String(given.value[id]), geometry: String(given.value[geometry]), time: time, minZoom: minZoom)
        } else if let stray = header["collection_time"] {
            throw .invalid(file: file, line: stray.line, message: "collection_time needs a collection header")
        } else if let stray = header["collection_min_zoom"] {
            throw .invalid(file: file, line: stray.line, message: "collection_min_zoom needs a collection header")
        }
        let dependencies = Array(Set(refs + extra + changeSources.filter { !ModelChanges.isCleanTable($0) })).sorted()
        if dependencies.contains(name) {
            throw .invalid(file: file, line: bodyStart + 1, message: "a model cannot ref itself")
        }
        return SQLModel(
            name: name, file: file, sql: sql, dependencies: dependencies, description: header["description"]?.value,
            uniqueKey: uniqueKey,
            indexes: header["indexes"].map { list($0.value, separator: ";") } ?? [], timeoutSeconds: timeout,
            personal: personal, suppress: suppress, collection: collection,
            materialized: materialized, incrementalKeys: incrementalKeys, incrementalSQL: incrementalSQL, changeSources: changeSources,
            sourceIndexes: sourceIndexes, fullBuildWhen: fullBuildWhen, addedOrRemoved: addedOrRemoved,
            partitionBy: partitionBy, partitionValues: partitionValues, strategy: strategy)
    }

    /// `90s`, `20m`, `2h` → seconds; nil for anything else (or zero).
    static func seconds(_ text: String) -> Int? {
        guard let unit = text.last, let number = Int(text.dropLast()), number > 0 else { return nil }
        switch unit {
        case "s": return number
        case "m": return number * 60
        case "h": return number * 3_600
        default: return nil
        }
    }

    /// The `schema.name` a `ref()` or `changes()` names, checked.
    static func modelName(_ macro: ModelMacro, file: String) throws(ModelError) -> String {
        guard macro.arguments.count == 1, let name = macro.arguments.first,
              name.range(of: #"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$"#, options: .regularExpression) != nil
        else {
            throw .invalid(file: file, line: macro.line, message: "\(macro.name)('\(macro.arguments.joined(separator: "', '"))'): write schema.name, e.g. \(macro.name)('core.person')")
        }
        return name
    }

    /// `added_or_removed('schema.model', 'key column', …)`, checked: an incremental model (not a clean table, whose
    /// deletions are rows marked `_deleted_at`) and its unique key (checked against the model by the catalog).
    static func keyedSource(_ macro: ModelMacro, file: String) throws(ModelError) -> SQLModel.KeyedSource {
        guard macro.arguments.count >= 2,
              macro.arguments[0].range(of: #"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$"#, options: .regularExpression) != nil,
              macro.arguments.dropFirst().allSatisfy({ $0.range(of: #"^[a-z_][a-z0-9_]*$"#, options: .regularExpression) != nil })
        else {
            throw .invalid(
                file: file, line: macro.line,
                message: "added_or_removed('\(macro.arguments.joined(separator: "', '"))'): write the model and its unique key's columns, e.g. added_or_removed('core.person', 'person_id')")
        }
        guard !ModelChanges.isCleanTable(macro.arguments[0]) else {
            throw .invalid(
                file: file, line: macro.line,
                message: "added_or_removed('\(macro.arguments[0])', …) reads an incremental model's recorded changes; a clean table's removed rows are those of changes() with _deleted_at set")
        }
        return SQLModel.KeyedSource(model: macro.arguments[0], key: Array(macro.arguments.dropFirst()))
    }

    static func list(_ text: String, separator: Character) -> [String] {
        text.split(separator: separator).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    static func findCycle(in graph: [String: Set<String>]) -> [String] {
        guard var current = graph.keys.sorted().first else { return [] }
        var path: [String] = []
        while !path.contains(current) {
            path.append(current)
            guard let next = graph[current]?.sorted().first(where: { graph[$0] != nil }) else { return path }
            current = next
        }
        let start = path.firstIndex(of: current) ?? 0
        return Array(path[start...]) + [current]
    }
}
