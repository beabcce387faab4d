import Foundation
import Yams

/// Walks a composed YAML document against a `Shape`, collecting every problem (it never stops
/// at the first) and the declared fields for the cross-checks that follow.
struct SchemaWalker {
    /// A declared field as written.
    struct DeclaredField {
        let name: String
        let keyPath: ManifestKeyPath
        let mark: Mark?
        /// The `path` value node, when written.
        let pathNode: Node?
        let typeText: String?
        let sridNode: Node?
        let semanticText: String?
    }

    let file: String
    let knownSemantics: [String]
    private(set) var issues: [ManifestIssue] = []
    private(set) var declaredFields: [DeclaredField] = []

    init(file: String, knownSemantics: [String]) {
        self.file = file
        self.knownSemantics = knownSemantics
    }

    mutating func report(_ mark: Mark?, _ path: ManifestKeyPath, _ message: String, severity: ManifestIssue.Severity = .error) {
        issues.append(ManifestIssue(
            severity: severity, file: file, keyPath: path,
            line: mark?.line ?? 0, column: mark?.column ?? 0, message: message))
    }

    // MARK: - Shapes

    mutating func check(_ node: Node, against shape: Shape, at path: ManifestKeyPath) {
        switch shape {
        case .string(let rule):
            checkString(node, rule, at: path)
        case .integer(let range):
            guard let scalar = scalarOrReport(node, expecting: "a whole number", at: path) else { return }
            guard !node.tag.isNamed(.str), let value = node.int else {
                report(node.mark, path, "expected a whole number, found \(Self.describe(scalar, at: path))")
                return
            }
            if !range.contains(value) {
                report(node.mark, path, "\(value) is out of range \(range.lowerBound)…\(range.upperBound)")
            }
        case .number(let range, let exclusiveLowerBound):
            guard let scalar = scalarOrReport(node, expecting: "a number", at: path) else { return }
            guard !node.tag.isNamed(.str), let value = node.float else {
                report(node.mark, path, "expected a number, found \(Self.describe(scalar, at: path))")
                return
            }
            let lowOK = exclusiveLowerBound ? value > range.lowerBound : value >= range.lowerBound
            if !(lowOK && value <= range.upperBound) {
                let low = exclusiveLowerBound ? "greater than \(Self.format(range.lowerBound))"
                    : "from \(Self.format(range.lowerBound))"
                report(node.mark, path, "\(scalar.string) is out of range: must be \(low) to \(Self.format(range.upperBound))")
            }
        case .boolean:
            guard let scalar = scalarOrReport(node, expecting: "true or false", at: path) else { return }
            if node.tag.isNamed(.str) || node.bool == nil {
                report(node.mark, path, "expected true or false, found \(Self.describe(scalar, at: path))")
            }
        case .list(let element, let minCount):
            guard case .sequence(let sequence) = node else {
                report(node.mark, path, "expected a list, found \(Self.describe(node, at: path))")
                return
            }
            if sequence.count < minCount {
                report(node.mark, path, "the list is empty: give at least \(minCount) item\(minCount == 1 ? "" : "s")")
            }
            for (index, item) in sequence.enumerated() {
                check(item, against: element, at: path.appending(index: index))
            }
        case .map(let value):
            guard case .mapping(let mapping) = node else {
                report(node.mark, path, "expected a mapping, found \(Self.describe(node, at: path))")
                return
            }
            var seen: Set<String> = []
            for (key, item) in mapping {
                guard let name = keyName(key, in: path, seen: &seen) else { continue }
                check(item, against: value, at: path.appending(name))
            }
        case .object(let object):
            checkObject(node, object, at: path, context: nil)
        case .tagged(let tagged):
            checkTagged(node, tagged, at: path)
        case .fields:
            checkFields(node, at: path)
        }
    }

    private mutating func checkObject(_ node: Node, _ shape: ObjectShape, at path: ManifestKeyPath, context: String?) {
        guard case .mapping(let mapping) = node else {
            report(node.mark, path, "expected a mapping, found \(Self.describe(node, at: path))")
            return
        }
        var seen: Set<String> = []
        for (key, value) in mapping {
            guard let name = keyName(key, in: path, seen: &seen) else { continue }
            guard let valueShape = shape.shape(of: name) else {
                let place = context.map { " for \($0)" } ?? (path.components.isEmpty ? "" : " in '\(path)'")
                report(key.mark, path.appending(name),
                       "unknown key '\(name)'\(place)\(Suggestion.hint(for: name, in: shape.keyNames))")
                continue
            }
            if Self.isNull(value) {
                if shape.required.contains(name) {
                    report(value.mark ?? key.mark, path.appending(name), "required key '\(name)' has no value")
                }
                continue
            }
            check(value, against: valueShape, at: path.appending(name))
        }
        for name in shape.keyNames where shape.required.contains(name) && !seen.contains(name) {
            let place = context.map { " for \($0)" } ?? ""
            report(node.mark, path.appending(name), "required key '\(name)' is missing\(place)")
        }
    }

    private mutating func checkTagged(_ node: Node, _ shape: TaggedShape, at path: ManifestKeyPath) {
        guard case .mapping(let mapping) = node else {
            report(node.mark, path, "expected a mapping with 'type', found \(Self.describe(node, at: path))")
            return
        }
        let names = shape.variants.map(\.name)
        guard let typeNode = mapping["type"], !Self.isNull(typeNode) else {
            report(node.mark, path.appending("type"),
                   "required key 'type' is missing (one of: \(names.joined(separator: ", ")))")
            return
        }
        guard let typeName = typeNode.scalar?.string, let variant = shape.variant(typeName) else {
            let found = typeNode.scalar?.string ?? ""
            let hint = Suggestion.closest(to: found, in: names).map { " (did you mean '\($0)'?)" }
                ?? " (one of: \(names.joined(separator: ", ")))"
            report(typeNode.mark, path.appending("type"), "'\(found)' is not \(Self.article(shape.noun)) \(shape.noun)\(hint)")
            return
        }
        let combined = ObjectShape([("type", .string(.any))] + variant.keys.map { ($0.name, $0.shape) },
                                   required: variant.required)
        checkObject(node, combined, at: path, context: "\(path) type '\(typeName)'")
    }

    private mutating func checkFields(_ node: Node, at path: ManifestKeyPath) {
        switch node {
        case .mapping(let mapping):
            if mapping.count == 0 { report(node.mark, path, "declare at least one field") }
            var seen: Set<String> = []
            var bodyShape = ManifestSchema.field
            bodyShape = ObjectShape(bodyShape.keys.filter { $0.name != "name" }.map { ($0.name, $0.shape) },
                                    required: bodyShape.required)
            for (key, value) in mapping {
                guard let name = keyName(key, in: path, seen: &seen) else { continue }
                checkFieldName(name, mark: key.mark, at: path.appending(name))
                let fieldPath = path.appending(name)
                guard case .mapping = value else {
                    report(value.mark ?? key.mark, fieldPath,
                           "expected a mapping with at least 'type', found \(Self.describe(value, at: fieldPath))")
                    continue
                }
                checkObject(value, bodyShape, at: fieldPath, context: nil)
                record(field: name, value, at: fieldPath, mark: key.mark)
            }
        case .sequence(let sequence):
            if sequence.count == 0 { report(node.mark, path, "declare at least one field") }
            var seen: Set<String> = []
            let itemShape = ObjectShape(ManifestSchema.field.keys.map { ($0.name, $0.shape) },
                                        required: ManifestSchema.field.required.union(["name"]))
            for (index, item) in sequence.enumerated() {
                let itemPath = path.appending(index: index)
                checkObject(item, itemShape, at: itemPath, context: nil)
                guard let nameNode = item.mapping?["name"], let name = nameNode.scalar?.string else { continue }
                if !seen.insert(name).inserted {
                    report(nameNode.mark, itemPath.appending("name"), "field '\(name)' is declared twice")
                }
                record(field: name, item, at: itemPath, mark: nameNode.mark)
            }
        default:
            report(node.mark, path, "expected a mapping of fields (name: {path, type, …}), found \(Self.describe(node, at: path))")
        }
    }

    private mutating func record(field name: String, _ body: Node, at path: ManifestKeyPath, mark: Mark?) {
        let mapping = body.mapping
        declaredFields.append(DeclaredField(
            name: name, keyPath: path, mark: mark,
            pathNode: mapping?["path"], typeText: mapping?["type"]?.scalar?.string, sridNode: mapping?["srid"],
            semanticText: mapping?["semantic"]?.scalar?.string))
    }

    private mutating func checkFieldName(_ name: String, mark: Mark?, at path: ManifestKeyPath) {
        if !Self.isIdentifier(name) {
            report(mark, path, "'\(name)' is not a field name: lower-case letters, digits and '_', starting with a letter, at most 63 characters")
        } else if SQLKeywords.reserved.contains(name) {
            report(mark, path, "'\(name)' is a reserved word of SQL and cannot name a staging column: call the field otherwise (e.g. \(name)_value) and keep 'path: \(name)'")
        }
    }

    // MARK: - Scalars

    private mutating func checkString(_ node: Node, _ rule: StringRule, at path: ManifestKeyPath) {
        guard let scalar = scalarOrReport(node, expecting: "text", at: path) else { return }
        let text = scalar.string
        switch rule {
        case .any:
            break
        case .nonEmpty:
            if text.trimmingCharacters(in: .whitespaces).isEmpty {
                report(node.mark, path, "must not be empty")
            }
        case .oneOf(let values, let noun):
            if !values.contains(text) {
                let hint = Suggestion.closest(to: text, in: values).map { " (did you mean '\($0)'?)" }
                    ?? " (expected one of: \(values.joined(separator: ", ")))"
                report(node.mark, path, "'\(text)' is not \(Self.article(noun)) \(noun)\(hint)")
            }
        case .identifier:
            if !Self.isIdentifier(text) {
                report(node.mark, path, "'\(text)' is not a name: lower-case letters, digits and '_', starting with a letter, at most 63 characters")
            }
        case .duration:
            if node.tag.isNamed(.int) || node.tag.isNamed(.float) {
                if let seconds = node.float, seconds < 0 { report(node.mark, path, "a duration cannot be negative") }
            } else if ManifestDuration(text) == nil {
                report(node.mark, path, "'\(text)' is not a duration (e.g. 30s, 5m, 2h, 1d, PT1H, P1D, P1M)")
            }
        case .documentPath:
            do {
                _ = try DocumentPath(parsing: text)
            } catch {
                report(node.mark, path, "'\(text)' is not a document path: \(error.description)")
            }
        case .xmlPath:
            do {
                _ = try XMLElementPath(parsing: text)
            } catch {
                report(node.mark, path, "'\(text)' is not an XML element path: \(error.description)")
            }
        case .singleCharacter:
            if text.count != 1 {
                report(node.mark, path, "expected exactly one character, found \(Self.describe(scalar, at: path))")
            }
        case .semantic:
            if !knownSemantics.contains(text) {
                let hint = Suggestion.closest(to: text, in: knownSemantics).map { " (did you mean '\($0)'?)" }
                    ?? " (known: \(knownSemantics.joined(separator: ", ")))"
                report(node.mark, path, "'\(text)' is not a known semantic\(hint)")
            }
        case .url:
            checkURL(text, node: node, at: path)
        }
    }

    private mutating func checkURL(_ text: String, node: Node, at path: ManifestKeyPath) {
        let lowered = text.lowercased()
        guard text.hasPrefix("${") || lowered.hasPrefix("http://") || lowered.hasPrefix("https://")
                || lowered.hasPrefix("file://") else {
            report(node.mark, path, "'\(text)' is not a URL: write http(s)://…, file://… or start with a ${VARIABLE}")
            return
        }
        if let scheme = text.range(of: "://") {
            let rest = text[scheme.upperBound...]
            let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
            if authority.contains("@") {
                report(node.mark, path, "the URL carries credentials (user@host): put them in 'auth' as placeholders")
            }
        }
    }

    private mutating func scalarOrReport(_ node: Node, expecting: String, at path: ManifestKeyPath) -> Node.Scalar? {
        guard case .scalar(let scalar) = node, !Self.isNull(node) else {
            report(node.mark, path, "expected \(expecting), found \(Self.describe(node, at: path))")
            return nil
        }
        return scalar
    }

    /// The key's text, reporting non-text and duplicate keys.
    private mutating func keyName(_ key: Node, in path: ManifestKeyPath, seen: inout Set<String>) -> String? {
        guard case .scalar(let scalar) = key else {
            report(key.mark, path, "a key must be text, found \(Self.describe(key, at: path))")
            return nil
        }
        let name = scalar.string
        guard seen.insert(name).inserted else {
            report(key.mark, path.appending(name), "duplicate key '\(name)' (the earlier one would be silently overwritten)")
            return nil
        }
        return name
    }

    // MARK: - Helpers

    static func isNull(_ node: Node) -> Bool {
        if case .scalar(let scalar) = node { return scalar.tag.isNamed(.null) }
        return false
    }

    static func isIdentifier(_ text: String) -> Bool {
        guard let first = text.first, first.isASCII, first.isLowercase, text.count <= 63 else { return false }
        return text.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }
    }

    /// A short description of a value for messages; never the value of a secret-looking key.
    static func describe(_ node: Node, at path: ManifestKeyPath) -> String {
        switch node {
        case .scalar(let scalar):
            return describe(scalar, at: path)
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    static func describe(_ scalar: Node.Scalar, at path: ManifestKeyPath) -> String {
        if scalar.tag.isNamed(.null) { return "nothing (null)" }
        if case .key(let key)? = path.components.last, Placeholders.looksSecret(key: key) {
            return "a value (not shown: the key looks secret)"
        }
        let text = scalar.string
        return "'\(text.count > 60 ? String(text.prefix(57)) + "…" : text)'"
    }

    /// "a" or "an" before `noun`.
    static func article(_ noun: String) -> String {
        guard let first = noun.lowercased().first else { return "a" }
        return "aeio".contains(first) ? "an" : "a"
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}

extension Tag {
    /// True when this tag is the YAML core tag `name` (Yams keeps `Tag.name` internal).
    func isNamed(_ name: Tag.Name) -> Bool {
        rawValue == name.rawValue
    }
}
