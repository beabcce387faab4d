import Foundation
import Yams

/// The outcome of loading one manifest: the model when it is valid, and every problem found.
public struct ManifestLoadResult: Sendable {
    /// The file as named in issues.
    public var file: String
    /// The decoded manifest; nil when there is any error.
    public var manifest: ConnectorManifest?
    /// Errors and warnings, in source order.
    public var issues: [ManifestIssue]

    /// Only the errors.
    public var errors: [ManifestIssue] { issues.filter { $0.severity == .error } }
    /// True when there is no error (warnings allowed).
    public var isValid: Bool { manifest != nil && errors.isEmpty }
}

/// A manifest that cannot be used, with every problem found in it.
public struct InvalidManifest: Error, Sendable, CustomStringConvertible {
    /// The file.
    public var file: String
    /// Every problem, in source order.
    public var issues: [ManifestIssue]

    /// One line per problem.
    public var description: String { issues.map(\.description).joined(separator: "\n") }
}

/// Reads connector manifests: YAML → `Node` (Yams) → validation → `ConnectorManifest` (Codable).
public struct ManifestLoader: Sendable {
    /// The validator used.
    public let validator: ManifestValidator

    /// Creates a loader accepting `knownSemantics` as field semantics.
    public init(knownSemantics: [String]) {
        self.validator = ManifestValidator(knownSemantics: knownSemantics)
    }

    /// Loads YAML text; `file` names it in issues and its stem must equal the manifest's `name`.
    public func load(yaml: String, file: String) -> ManifestLoadResult {
        let root: Node
        do {
            guard let composed = try Yams.compose(yaml: yaml) else {
                return failure(file, line: 1, column: 1, "the file is empty")
            }
            root = composed
        } catch let error as YamlError {
            return syntaxFailure(file, error)
        } catch {
            return failure(file, line: 0, column: 0, "not readable as YAML: \(error)")
        }
        var issues = validator.validate(root, file: file)
        guard !issues.contains(where: { $0.severity == .error }) else {
            return ManifestLoadResult(file: file, manifest: nil, issues: issues)
        }
        do {
            let manifest = try YAMLDecoder().decode(ConnectorManifest.self, from: root)
            return ManifestLoadResult(file: file, manifest: manifest, issues: issues)
        } catch let error as DecodingError {
            issues.append(Self.issue(from: error, file: file, locator: YAMLLocator(root: root)))
        } catch {
            issues.append(ManifestIssue(file: file, keyPath: .root, line: 0, column: 0, message: "\(error)"))
        }
        return ManifestLoadResult(file: file, manifest: nil, issues: issues)
    }

    /// Loads a file; `displayPath` (default: the path as given) names it in issues.
    public func load(contentsOf url: URL, displayPath: String? = nil) -> ManifestLoadResult {
        let file = displayPath ?? url.path
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            return failure(file, line: 0, column: 0, "cannot read the file: \(error.localizedDescription)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            return failure(file, line: 0, column: 0, "the file is not UTF-8 text")
        }
        return load(yaml: text, file: file)
    }

    /// Loads a file and returns the manifest, or throws every problem.
    public func loadValid(contentsOf url: URL, displayPath: String? = nil) throws(InvalidManifest) -> ConnectorManifest {
        let result = load(contentsOf: url, displayPath: displayPath)
        guard let manifest = result.manifest, result.isValid else {
            throw InvalidManifest(file: result.file, issues: result.errors)
        }
        return manifest
    }

    /// The manifest files of a directory (`*.yaml`, `*.yml`, not hidden), sorted by name.
    public static func manifestFiles(in directory: URL) throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { ["yaml", "yml"].contains($0.pathExtension.lowercased()) && !$0.lastPathComponent.hasPrefix(".") }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    // MARK: - Private

    private func failure(_ file: String, line: Int, column: Int, _ message: String) -> ManifestLoadResult {
        ManifestLoadResult(file: file, manifest: nil, issues: [
            ManifestIssue(file: file, keyPath: .root, line: line, column: column, message: message),
        ])
    }

    private func syntaxFailure(_ file: String, _ error: YamlError) -> ManifestLoadResult {
        switch error {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let where_ = context.map { " \($0.text)" } ?? ""
            return failure(file, line: mark.line, column: mark.column, "YAML syntax: \(problem)\(where_)")
        case .reader(let problem, _, _, _):
            return failure(file, line: 0, column: 0, "YAML syntax: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            // Yams stops at the first mapping with a repeated key; name the key where it is.
            let mark = context.mark
            let path = Self.approximateKeyPath(line: mark.line, in: context.text)
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return ManifestLoadResult(file: file, manifest: nil, issues: [
                ManifestIssue(file: file, keyPath: path, line: mark.line, column: mark.column,
                              message: "duplicate key \(keys) (the earlier one would be silently overwritten; fix this to see any other problem)"),
            ])
        default:
            return failure(file, line: 0, column: 0, "YAML syntax: \(error)")
        }
    }

    /// The key path of the block-style key on `line` (1-based), found by walking up through
    /// less-indented `key:` lines; used where the parser stops before a `Node` tree exists.
    static func approximateKeyPath(line: Int, in text: String) -> ManifestKeyPath {
        let lines = text.components(separatedBy: "\n")
        guard line >= 1, line <= lines.count else { return .root }
        func keyAndIndent(_ text: String) -> (key: String, indent: Int)? {
            let indent = text.prefix { $0 == " " }.count
            let body = text.dropFirst(indent)
            guard !body.hasPrefix("#"), !body.hasPrefix("-"), let colon = body.firstIndex(of: ":") else { return nil }
            let key = body[..<colon].trimmingCharacters(in: CharacterSet(charactersIn: " \"'"))
            return key.isEmpty ? nil : (key, indent)
        }
        guard var current = keyAndIndent(lines[line - 1]) else { return .root }
        var keys = [current.key]
        var index = line - 2
        while index >= 0, current.indent > 0 {
            if let parent = keyAndIndent(lines[index]), parent.indent < current.indent {
                keys.insert(parent.key, at: 0)
                current = parent
            }
            index -= 1
        }
        return ManifestKeyPath(components: keys.map { .key($0) })
    }

    static func issue(from error: DecodingError, file: String, locator: YAMLLocator) -> ManifestIssue {
        let context: DecodingError.Context
        let message: String
        switch error {
        case .typeMismatch(let type, let ctx):
            context = ctx
            message = "expected \(type): \(ctx.debugDescription)"
        case .valueNotFound(let type, let ctx):
            context = ctx
            message = "missing a value of \(type)"
        case .keyNotFound(let key, let ctx):
            context = ctx
            message = "required key '\(key.stringValue)' is missing"
        case .dataCorrupted(let ctx):
            context = ctx
            message = ctx.debugDescription
        @unknown default:
            return ManifestIssue(file: file, keyPath: .root, line: 0, column: 0, message: "\(error)")
        }
        let path = YAMLLocator.keyPath(from: context.codingPath)
        let mark = locator.mark(for: path)
        return ManifestIssue(file: file, keyPath: path, line: mark?.line ?? 0, column: mark?.column ?? 0, message: message)
    }
}
