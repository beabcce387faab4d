import Foundation
import Yams

/// Validates a composed connector manifest and reports every problem, each with its file, key
/// path, line and column: unknown keys (with a did-you-mean), missing keys, wrong types, bad
/// values, malformed or misplaced `${…}` placeholders, literal secrets, keys that do not fit
/// the `kind`, a primary key or cursor naming undeclared fields, unknown semantics.
public struct ManifestValidator: Sendable {
    /// The semantics a field may declare (the lead passes `Normalize.Semantic.allCases.map(\.rawValue)`).
    public let knownSemantics: [String]

    /// Creates a validator accepting `knownSemantics` as field semantics.
    public init(knownSemantics: [String]) {
        self.knownSemantics = knownSemantics
    }

    /// Every problem of the document `root`, read from `file` (used in the issues and to
    /// check that `name` equals the file's stem), in source order.
    public func validate(_ root: Node, file: String) -> [ManifestIssue] {
        var walker = SchemaWalker(file: file, knownSemantics: knownSemantics)
        walker.check(root, against: .object(ManifestSchema.manifest), at: .root)
        var checks = CrossChecks(root: root, file: file, fields: walker.declaredFields)
        if root.mapping != nil {
            checks.run()
        }
        return (walker.issues + checks.issues).sorted(by: ManifestIssue.sourceOrder)
    }
}

/// The checks that relate one part of a manifest to another, or look at every value.
private struct CrossChecks {
    let root: Node
    let file: String
    let fields: [SchemaWalker.DeclaredField]
    let locator: YAMLLocator
    var issues: [ManifestIssue] = []

    init(root: Node, file: String, fields: [SchemaWalker.DeclaredField]) {
        self.root = root
        self.file = file
        self.fields = fields
        self.locator = YAMLLocator(root: root)
    }

    mutating func report(_ mark: Mark?, _ path: ManifestKeyPath, _ message: String,
                         severity: ManifestIssue.Severity = .error) {
        issues.append(ManifestIssue(severity: severity, file: file, keyPath: path,
                                    line: mark?.line ?? 0, column: mark?.column ?? 0, message: message))
    }

    func text(at path: ManifestKeyPath) -> String? {
        guard let node = locator.node(at: path), !SchemaWalker.isNull(node) else { return nil }
        return node.scalar?.string
    }

    func exists(_ path: ManifestKeyPath) -> Bool {
        guard let node = locator.node(at: path) else { return false }
        return !SchemaWalker.isNull(node)
    }

    mutating func run() {
        checkNameMatchesFile()
        checkRecordsFitKind()
        checkFieldPaths()
        checkPrimaryKey()
        checkRecordDate()
        checkPartitionBy()
        checkPlace()
        checkIncremental()
        checkPartitionSource()
        checkPagination()
        checkValues(root, at: .root)
    }

    // MARK: name

    mutating func checkNameMatchesFile() {
        guard let name = text(at: "name"), SchemaWalker.isIdentifier(name) else { return }
        let stem = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        if !stem.isEmpty, SchemaWalker.isIdentifier(stem), name != stem {
            report(locator.mark(for: "name"), "name",
                   "name '\(name)' differs from the file name '\((file as NSString).lastPathComponent)': a feed is known by its file, rename one of them")
        }
        if SQLKeywords.reserved.contains(name) {
            report(locator.mark(for: "name"), "name",
                   "'\(name)' is a reserved word of SQL and cannot name a staging table: call the feed otherwise (e.g. \(name)_records)")
        }
    }

    // MARK: records vs kind

    var kind: ConnectorKind? { text(at: "kind").flatMap(ConnectorKind.init(rawValue:)) }

    mutating func checkRecordsFitKind() {
        guard let kind else { return }
        func misplaced(_ key: String, _ reason: String) {
            let path = ManifestKeyPath("records").appending(key)
            if exists(path) { report(locator.keyMark(for: path), path, reason) }
        }
        switch kind {
        case .xml:
            if !exists("records.element") {
                report(locator.mark(for: "records.element"), "records.element",
                       "kind xml needs 'records.element', the element path of one record (e.g. A/B/RECORD)")
            }
            misplaced("path", "'records.path' is for JSON kinds; kind xml uses 'records.element'")
            misplaced("csv", "'records.csv' is for kind csv, not xml")
            misplaced("keep", "'records.keep' is for JSON kinds")
        case .csv:
            misplaced("path", "'records.path' is for JSON kinds; a csv record is a row")
            misplaced("element", "'records.element' is for kind xml, not csv")
            misplaced("embedded", "'records.embedded' is for kind xml, not csv")
            misplaced("keep", "'records.keep' is for JSON kinds")
            checkCSV()
        case .restJSON, .geojson, .ogcFeatures, .fhir, .sensorthings:
            misplaced("element", "'records.element' is for kind xml; JSON kinds use 'records.path'")
            misplaced("csv", "'records.csv' is for kind csv, not \(kind.rawValue)")
            misplaced("embedded", "'records.embedded' is for kind xml, not \(kind.rawValue)")
            if let url = text(at: "request.url"), !url.hasPrefix("${"),
               !(url.lowercased().hasPrefix("http://") || url.lowercased().hasPrefix("https://")) {
                report(locator.mark(for: "request.url"), "request.url",
                       "kind \(kind.rawValue) is read over HTTP(S); local files are read by kinds csv and xml (or serve the file over HTTP)")
            }
            if let field = text(at: "records.keep.field"), SchemaWalker.isIdentifier(field), !fieldNames.contains(field) {
                report(locator.mark(for: "records.keep.field"), "records.keep.field",
                       "keep field '\(field)' is not declared in 'fields'\(Suggestion.hint(for: field, in: fieldNames))")
            }
        }
    }

    mutating func checkCSV() {
        let header = locator.node(at: "records.csv.header")?.bool ?? true
        let hasColumns = exists("records.csv.columns")
        if !header && !hasColumns {
            report(locator.mark(for: "records.csv.header"), "records.csv.columns",
                   "with 'header: false' the column names must be given in 'columns'")
        }
        if header && hasColumns {
            report(locator.keyMark(for: "records.csv.columns"), "records.csv.columns",
                   "'columns' is read only with 'header: false' (the header row names the columns)")
        }
        let delimiter = text(at: "records.csv.delimiter") ?? ","
        let quote = text(at: "records.csv.quote") ?? "\""
        if delimiter == quote {
            report(locator.mark(for: "records.csv.quote"), "records.csv.quote",
                   "the quote character must differ from the delimiter")
        }
    }

    // MARK: fields

    mutating func checkFieldPaths() {
        let kind = self.kind
        for field in fields {
            let path = field.keyPath.appending("path")
            if let node = field.pathNode, let text = node.scalar?.string, !SchemaWalker.isNull(node) {
                switch kind {
                case .xml?:
                    do { _ = try XMLElementPath(parsing: text) } catch {
                        report(node.mark, path, "'\(text)' is not an XML element path: \(error.description)")
                    }
                case .csv?, nil:
                    break
                case .some:
                    do { _ = try DocumentPath(parsing: text) } catch {
                        report(node.mark, path, "'\(text)' is not a document path: \(error.description)")
                    }
                }
            }
            if let srid = field.sridNode, field.typeText != nil, field.typeText != SQLType.geometry.rawValue {
                report(srid.mark, field.keyPath.appending("srid"), "'srid' applies to type geometry only")
            }
        }
    }

    var fieldNames: [String] { fields.map(\.name) }

    mutating func checkPrimaryKey() {
        guard let sequence = locator.node(at: "primary_key")?.sequence else { return }
        var seen: Set<String> = []
        for (index, item) in sequence.enumerated() {
            guard let name = item.scalar?.string, SchemaWalker.isIdentifier(name) else { continue }
            let path = ManifestKeyPath("primary_key").appending(index: index)
            if !seen.insert(name).inserted {
                report(item.mark, path, "'\(name)' is listed twice in the primary key")
            } else if !fieldNames.contains(name) {
                report(item.mark, path,
                       "primary key field '\(name)' is not declared in 'fields'\(Suggestion.hint(for: name, in: fieldNames))")
            }
        }
    }

    /// `record_date` names a declared date, timestamptz or integer (year) field.
    mutating func checkRecordDate() {
        guard let name = text(at: "record_date"), SchemaWalker.isIdentifier(name) else { return }
        guard let field = fields.first(where: { $0.name == name }) else {
            report(locator.mark(for: "record_date"), "record_date",
                   "record_date '\(name)' is not declared in 'fields'\(Suggestion.hint(for: name, in: fieldNames))")
            return
        }
        if let type = field.typeText, !["date", "timestamptz", "integer", "bigint"].contains(type) {
            report(locator.mark(for: "record_date"), "record_date",
                   "record_date '\(name)' has type \(type): it must be a date, a timestamptz, or an integer year")
        }
    }

    /// `partition_by.field` names a declared date or timestamptz field of the primary key (PostgreSQL
    /// keys a partitioned table only on keys that hold the partition column); with `period_can_change`, the key
    /// has another column, which names the record.
    mutating func checkPartitionBy() {
        guard let name = text(at: "partition_by.field"), SchemaWalker.isIdentifier(name) else { return }
        let path: ManifestKeyPath = "partition_by.field"
        guard let field = fields.first(where: { $0.name == name }) else {
            report(locator.mark(for: path), path,
                   "partition_by field '\(name)' is not declared in 'fields'\(Suggestion.hint(for: name, in: fieldNames))")
            return
        }
        if let type = field.typeText, !["date", "timestamptz"].contains(type) {
            report(locator.mark(for: path), path,
                   "partition_by field '\(name)' has type \(type): it must be a date or a timestamptz")
        }
        let key = locator.node(at: "primary_key")?.sequence?.compactMap { $0.scalar?.string } ?? []
        if !key.contains(name) {
            report(locator.mark(for: path), path,
                   "partition_by field '\(name)' must be part of primary_key: add it there (a partitioned table's key holds its partition column)")
        }
        if locator.node(at: "partition_by.period_can_change")?.scalar?.string == "true", key.allSatisfy({ $0 == name }) {
            report(locator.mark(for: "partition_by.period_can_change"), "partition_by.period_can_change",
                   "period_can_change: the rest of primary_key names the record when its period changes, but primary_key holds only '\(name)': add the record's own key to it")
        }
    }

    /// `place.province` is a 2-digit code; `place.fields` name declared text fields with the `vn_admin_unit`
    /// semantic, each once.
    mutating func checkPlace() {
        if let province = text(at: "place.province"),
           province.count != 2 || !province.allSatisfy({ $0.isASCII && $0.isNumber }) {
            report(locator.mark(for: "place.province"), "place.province",
                   "'\(province)' is not a province code: two digits, the post-2025 GSO code (\"24\" for Bắc Ninh), quoted")
        }
        guard let sequence = locator.node(at: "place.fields")?.sequence else { return }
        var seen: Set<String> = []
        for (index, item) in sequence.enumerated() {
            guard let name = item.scalar?.string, SchemaWalker.isIdentifier(name) else { continue }
            let path = ManifestKeyPath("place.fields").appending(index: index)
            guard let field = fields.first(where: { $0.name == name }) else {
                report(item.mark, path,
                       "place field '\(name)' is not declared in 'fields'\(Suggestion.hint(for: name, in: fieldNames))")
                continue
            }
            if !seen.insert(name).inserted {
                report(item.mark, path, "'\(name)' is listed twice in place.fields")
            } else if field.semanticText != "vn_admin_unit" {
                report(item.mark, path, "place field '\(name)' must have the semantic vn_admin_unit (a ward code, a unit name or an address)")
            }
        }
    }

    mutating func checkIncremental() {
        guard locator.node(at: "incremental")?.mapping != nil else { return }
        if let cursor = text(at: "incremental.cursor_field"), SchemaWalker.isIdentifier(cursor),
           !fieldNames.contains(cursor) {
            report(locator.mark(for: "incremental.cursor_field"), "incremental.cursor_field",
                   "cursor field '\(cursor)' is not declared in 'fields'\(Suggestion.hint(for: cursor, in: fieldNames))")
        }
        if !exists("incremental.parameter") && !exists("incremental.window") {
            report(locator.mark(for: "incremental"), "incremental.parameter",
                   "say how the cursor reaches the source: 'parameter' (e.g. updated_since) or 'window'")
        }
        let format = text(at: "incremental.format").flatMap(CursorFormat.init(rawValue:)) ?? .iso8601
        if let start = text(at: "incremental.start_datetime"), !format.accepts(start) {
            report(locator.mark(for: "incremental.start_datetime"), "incremental.start_datetime",
                   "'\(start)' is not a value of format \(format.rawValue)")
        }
        if let step = text(at: "incremental.window.step"), let duration = ManifestDuration(step), duration.isZero {
            report(locator.mark(for: "incremental.window.step"), "incremental.window.step", "the step must be longer than zero")
        }
        if let template = text(at: "incremental.value_template"), !template.contains(IncrementalSpec.cursorSlot) {
            report(locator.mark(for: "incremental.value_template"), "incremental.value_template",
                   "the template must say where the cursor goes with \(IncrementalSpec.cursorSlot), e.g. 'phenomenonTime ge {cursor}'")
        }
    }

    mutating func checkPartitionSource() {
        guard locator.node(at: "request.partitions_from")?.mapping != nil else { return }
        if let partitions = locator.node(at: "request.partitions")?.sequence, !partitions.isEmpty {
            report(locator.mark(for: "request.partitions_from"), "request.partitions_from",
                   "give the parts either as a list ('partitions') or from a feed ('partitions_from'), not both")
        }
        if let field = text(at: "request.partitions_from.record_field"), SchemaWalker.isIdentifier(field),
           !fieldNames.contains(field) {
            report(locator.mark(for: "request.partitions_from.record_field"), "request.partitions_from.record_field",
                   "record field '\(field)' is not declared in 'fields'\(Suggestion.hint(for: field, in: fieldNames))")
        }
        if let feed = text(at: "request.partitions_from.feed"), feed == text(at: "name") {
            report(locator.mark(for: "request.partitions_from.feed"), "request.partitions_from.feed",
                   "a feed cannot list its own parts; name the feed that stages them")
        }
    }

    mutating func checkPagination() {
        guard text(at: "pagination.type") == PaginationSpec.Kind.nextURL.rawValue else { return }
        let source = text(at: "pagination.from")
        if source == NextURLPagination.Source.body.rawValue, !exists("pagination.path") {
            report(locator.mark(for: "pagination"), "pagination.path",
                   "with 'from: body' give 'path', where the next URL is in the body (e.g. links.next)")
        }
        if source == NextURLPagination.Source.linkHeader.rawValue, exists("pagination.path") {
            report(locator.keyMark(for: "pagination.path"), "pagination.path",
                   "'path' is read only with 'from: body'; 'from: link_header' reads the Link header")
        }
    }

    // MARK: every value: placeholders and secrets

    static let resolvedSections: Set<String> = ["request", "auth"]

    /// Keys that contain a secret-looking word but hold no secret.
    static let notSecret: Set<String> = ["token_url", "cache_token", "refresh_on_401"]

    mutating func checkValues(_ node: Node, at path: ManifestKeyPath) {
        switch node {
        case .scalar(let scalar):
            guard !scalar.tag.isNamed(.null) else { return }
            let (names, errors) = Placeholders.scan(scalar.string)
            for error in errors {
                let position = Self.position(of: error.offset, in: scalar, at: node.mark)
                issues.append(ManifestIssue(file: file, keyPath: path, line: position.line, column: position.column,
                                            message: "malformed placeholder: \(error.description)"))
            }
            if !names.isEmpty, case .key(let section)? = path.components.first,
               !Self.resolvedSections.contains(section) {
                report(node.mark, path, "placeholders are resolved only under 'request' and 'auth'")
            }
        case .mapping(let mapping):
            for (key, value) in mapping {
                guard let name = key.scalar?.string else { continue }
                let childPath = path.appending(name)
                if case .scalar(let scalar) = value, !scalar.tag.isNamed(.null),
                   isSecret(key: name, at: path), !Placeholders.containsPlaceholder(scalar.string) {
                    report(value.mark, childPath,
                           "'\(name)' holds a literal secret: write a placeholder such as ${\(suggestedVariable(for: name))} and set it in the environment")
                }
                checkValues(value, at: childPath)
            }
        case .sequence(let sequence):
            for (index, item) in sequence.enumerated() {
                checkValues(item, at: path.appending(index: index))
            }
        case .alias:
            break
        }
    }

    /// The line and column of character `offset` of a one-line plain or quoted scalar
    /// (escapes aside), else the scalar's own position.
    static func position(of offset: Int, in scalar: Node.Scalar, at mark: Mark?) -> (line: Int, column: Int) {
        guard let mark else { return (0, 0) }
        let before = scalar.string.prefix(offset)
        guard !before.contains("\n") else { return (mark.line, mark.column) }
        switch scalar.style {
        case .plain: return (mark.line, mark.column + before.unicodeScalars.count)
        case .singleQuoted, .doubleQuoted: return (mark.line, mark.column + 1 + before.unicodeScalars.count)
        default: return (mark.line, mark.column)
        }
    }

    func isSecret(key: String, at parent: ManifestKeyPath) -> Bool {
        // Field declarations and documentation name things; they hold no values.
        if case .key(let section)? = parent.components.first, section == "fields" { return false }
        if Self.notSecret.contains(key) || key.hasSuffix("_parameter") || key.hasSuffix("_path") || key.hasSuffix("_url") {
            return false
        }
        return Placeholders.looksSecret(key: key)
    }

    func suggestedVariable(for key: String) -> String {
        let feed = (text(at: "name") ?? "feed").uppercased()
        let folded = key.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" }
        return "CITYPIPE_\(feed)_\(String(folded))"
    }
}
