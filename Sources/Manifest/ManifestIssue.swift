/// One component of a key path into a manifest: a mapping key or a sequence index.
public enum ManifestKeyPathComponent: Hashable, Sendable {
    /// A key of a mapping, e.g. `fields`.
    case key(String)
    /// A zero-based position in a sequence, e.g. `[1]` in `primary_key[1]`.
    case index(Int)
}

/// Where a value sits in a manifest, printed the way a connector author writes it:
/// `fields.birth_date.type`, `primary_key[1]`, `request.headers.X-API-Key`.
public struct ManifestKeyPath: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The components, outermost first.
    public var components: [ManifestKeyPathComponent]

    /// The path of the document root (printed as `(root)`).
    public static let root = ManifestKeyPath(components: [])

    /// Creates a path from its components.
    public init(components: [ManifestKeyPathComponent]) {
        self.components = components
    }

    /// Creates a path from dotted text (`fields.birth_date.type`); no index syntax.
    public init(_ dotted: String) {
        components = dotted.split(separator: ".").map { .key(String($0)) }
    }

    /// Creates a path from dotted text (`fields.birth_date.type`); no index syntax.
    public init(stringLiteral value: String) {
        self.init(value)
    }

    /// This path extended by a mapping key.
    public func appending(_ key: String) -> ManifestKeyPath {
        ManifestKeyPath(components: components + [.key(key)])
    }

    /// This path extended by a sequence index.
    public func appending(index: Int) -> ManifestKeyPath {
        ManifestKeyPath(components: components + [.index(index)])
    }

    /// The dotted form, `(root)` for the empty path.
    public var description: String {
        if components.isEmpty { return "(root)" }
        var text = ""
        for component in components {
            switch component {
            case .key(let key):
                if !text.isEmpty { text += "." }
                text += key
            case .index(let index):
                text += "[\(index)]"
            }
        }
        return text
    }
}

/// A problem found in a manifest, with where it is: file, key path, line and column.
public struct ManifestIssue: Hashable, Sendable, CustomStringConvertible {
    /// How serious a problem is: only errors make `citypipe check` fail.
    public enum Severity: String, Sendable, Hashable, Comparable {
        /// The manifest cannot be used as written.
        case error
        /// The manifest works but probably not as intended.
        case warning

        /// Errors sort before warnings.
        public static func < (lhs: Severity, rhs: Severity) -> Bool {
            lhs == .error && rhs == .warning
        }
    }

    /// Error or warning.
    public var severity: Severity
    /// The manifest file as the caller named it, e.g. `Connectors/population.yaml`.
    public var file: String
    /// The key path of the offending value (or of the missing key).
    public var keyPath: ManifestKeyPath
    /// 1-based line in the YAML source, 0 when unknown.
    public var line: Int
    /// 1-based column (in Unicode scalars), 0 when unknown.
    public var column: Int
    /// What is wrong, in one sentence, never containing a secret value.
    public var message: String

    /// Creates an issue.
    public init(
        severity: Severity = .error,
        file: String,
        keyPath: ManifestKeyPath,
        line: Int,
        column: Int,
        message: String
    ) {
        self.severity = severity
        self.file = file
        self.keyPath = keyPath
        self.line = line
        self.column = column
        self.message = message
    }

    /// `file:line:column: key.path: message`, with `warning: ` before the key path for warnings,
    /// the format of compilers so that editors and CI annotate the right line.
    public var description: String {
        let location = line > 0 ? "\(file):\(line):\(column)" : file
        let prefix = severity == .warning ? "warning: " : ""
        return "\(location): \(prefix)\(keyPath): \(message)"
    }
}

extension ManifestIssue {
    /// Orders issues by file, then position in the file, then key path.
    static func sourceOrder(_ lhs: ManifestIssue, _ rhs: ManifestIssue) -> Bool {
        if lhs.file != rhs.file { return lhs.file < rhs.file }
        if lhs.line != rhs.line { return lhs.line < rhs.line }
        if lhs.column != rhs.column { return lhs.column < rhs.column }
        return lhs.keyPath.description < rhs.keyPath.description
    }
}
