import Foundation

/// `${ENV_VAR}` placeholders in manifest values: syntax, detection of secret-looking keys, and
/// substitution from an environment.
///
/// Syntax: `${NAME}` with `NAME` = `[A-Za-z_][A-Za-z0-9_]*`; `$$` is a literal `$`; a `$` not
/// followed by `{` or `$` is literal. Placeholders are resolved in `request` and `auth` only.
public enum Placeholders {
    /// A malformed placeholder in a value.
    public struct SyntaxError: Error, Hashable, Sendable, CustomStringConvertible {
        /// Zero-based character offset of the `$` that starts it.
        public var offset: Int
        /// What is wrong.
        public var problem: String

        /// The problem and where it is.
        public var description: String { "\(problem) (at character \(offset + 1))" }
    }

    /// The variable names referenced by `text`, in order, and any syntax errors.
    public static func scan(_ text: String) -> (names: [String], errors: [SyntaxError]) {
        var names: [String] = []
        var errors: [SyntaxError] = []
        walk(text, onLiteral: { _ in }, onPlaceholder: { names.append($0) }, onError: { errors.append($0) })
        return (names, errors)
    }

    /// True when `text` holds at least one well-formed placeholder.
    public static func containsPlaceholder(_ text: String) -> Bool {
        !scan(text).names.isEmpty
    }

    /// `text` with every placeholder replaced from `environment`; the names of the variables
    /// that are not set when some are missing. Malformed placeholders are left as written
    /// (the validator reports them).
    public static func substitute(_ text: String, from environment: [String: String]) -> Result<String, MissingNames> {
        var output = ""
        var missing: [String] = []
        walk(
            text,
            onLiteral: { output.append($0) },
            onPlaceholder: { name in
                if let value = environment[name] {
                    output += value
                } else {
                    missing.append(name)
                }
            },
            onError: { _ in }
        )
        return missing.isEmpty ? .success(output) : .failure(MissingNames(names: missing))
    }

    /// Names of unset variables (an `Error` so that it fits `Result`).
    public struct MissingNames: Error, Hashable, Sendable {
        /// Variable names, in order of appearance.
        public var names: [String]

        /// Creates the list.
        public init(names: [String]) { self.names = names }
    }

    /// True for keys whose values are credentials (`api_key`, `client_secret`, `password`,
    /// `token`, `Authorization`…): these must be placeholders, never literals.
    public static func looksSecret(key: String) -> Bool {
        let folded = key.lowercased().filter { $0.isLetter || $0.isNumber }
        let markers = ["password", "passwd", "secret", "token", "apikey", "authorization", "accesskey",
                       "privatekey", "credential", "signature"]
        return markers.contains { folded.contains($0) }
    }

    /// `manifest` with the placeholders of `request` and `auth` resolved from `environment`.
    ///
    /// - Throws: `UnresolvedPlaceholders` naming the manifest, each key path and each unset
    ///   variable (never a value).
    public static func resolve(
        _ manifest: ConnectorManifest, file: String, environment: [String: String]
    ) throws(UnresolvedPlaceholders) -> ConnectorManifest {
        var resolver = Resolver(environment: environment)
        var result = manifest
        result.request.url = resolver.resolve(manifest.request.url, at: "request.url")
        result.request.parameters = resolver.resolve(manifest.request.parameters, at: "request.parameters")
        result.request.headers = resolver.resolve(manifest.request.headers, at: "request.headers")
        result.request.partitions = manifest.request.partitions.enumerated().map { index, parameters in
            resolver.resolve(parameters, at: ManifestKeyPath("request.partitions").appending(index: index))
        }
        if let body = manifest.request.body {
            result.request.body = resolver.resolve(body, at: "request.body")
        }
        switch manifest.auth {
        case .none:
            break
        case .apiKey(var spec):
            spec.fieldName = resolver.resolve(spec.fieldName, at: "auth.field_name")
            spec.apiToken = resolver.resolve(spec.apiToken, at: "auth.api_token")
            result.auth = .apiKey(spec)
        case .bearer(var spec):
            spec.apiToken = resolver.resolve(spec.apiToken, at: "auth.api_token")
            result.auth = .bearer(spec)
        case .basic(var spec):
            spec.username = resolver.resolve(spec.username, at: "auth.username")
            spec.password = resolver.resolve(spec.password, at: "auth.password")
            result.auth = .basic(spec)
        case .oauth2(var spec):
            spec.tokenURL = resolver.resolve(spec.tokenURL, at: "auth.token_url")
            spec.clientID = resolver.resolve(spec.clientID, at: "auth.client_id")
            spec.clientSecret = resolver.resolve(spec.clientSecret, at: "auth.client_secret")
            spec.scopes = spec.scopes.enumerated().map { index, scope in
                resolver.resolve(scope, at: ManifestKeyPath("auth.scopes").appending(index: index))
            }
            result.auth = .oauth2(spec)
        }
        guard resolver.missing.isEmpty else {
            throw UnresolvedPlaceholders(manifest: manifest.name, file: file, missing: resolver.missing)
        }
        return result
    }

    private struct Resolver {
        let environment: [String: String]
        var missing: [UnresolvedPlaceholders.Missing] = []

        mutating func resolve(_ text: String, at path: ManifestKeyPath) -> String {
            switch Placeholders.substitute(text, from: environment) {
            case .success(let value):
                return value
            case .failure(let unset):
                missing += unset.names.map { UnresolvedPlaceholders.Missing(keyPath: path, variable: $0) }
                return text
            }
        }

        mutating func resolve(_ values: [String: String], at path: ManifestKeyPath) -> [String: String] {
            var output: [String: String] = [:]
            for key in values.keys.sorted() {
                if let value = values[key] {
                    output[key] = resolve(value, at: path.appending(key))
                }
            }
            return output
        }
    }

    private static func walk(
        _ text: String,
        onLiteral: (Character) -> Void,
        onPlaceholder: (String) -> Void,
        onError: (SyntaxError) -> Void
    ) {
        let chars = Array(text)
        var position = 0
        while position < chars.count {
            let character = chars[position]
            guard character == "$", position + 1 < chars.count else {
                onLiteral(character)
                position += 1
                continue
            }
            let next = chars[position + 1]
            if next == "$" {
                onLiteral("$")
                position += 2
                continue
            }
            guard next == "{" else {
                onLiteral(character)
                position += 1
                continue
            }
            guard let close = chars[(position + 2)...].firstIndex(of: "}") else {
                onError(SyntaxError(offset: position, problem: "'${' is never closed by '}'"))
                chars[position...].forEach(onLiteral)
                return
            }
            let name = String(chars[(position + 2)..<close])
            if isValidName(name) {
                onPlaceholder(name)
            } else {
                let problem = name.isEmpty
                    ? "'${}' names no variable"
                    : "'${\(name)}' is not a variable name (letters, digits and '_', not starting with a digit)"
                onError(SyntaxError(offset: position, problem: problem))
                chars[position...close].forEach(onLiteral)
            }
            position = close + 1
        }
    }

    private static func isValidName(_ name: String) -> Bool {
        guard let first = name.first, first.isASCII, first.isLetter || first == "_" else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
    }
}

/// Variables that a manifest's placeholders name and the environment does not set.
public struct UnresolvedPlaceholders: Error, Hashable, Sendable, CustomStringConvertible {
    /// One unset variable and where it is used.
    public struct Missing: Hashable, Sendable {
        /// Where the placeholder is, e.g. `auth.client_secret`.
        public var keyPath: ManifestKeyPath
        /// The variable's name.
        public var variable: String

        /// Creates an entry.
        public init(keyPath: ManifestKeyPath, variable: String) {
            self.keyPath = keyPath
            self.variable = variable
        }
    }

    /// The manifest's `name`.
    public var manifest: String
    /// The manifest's file.
    public var file: String
    /// Every unset variable, in manifest order.
    public var missing: [Missing]

    /// One line per unset variable: `file: manifest 'population': auth.client_secret: environment variable CITYPIPE_… is not set`.
    public var description: String {
        missing.map {
            "\(file): manifest '\(manifest)': \($0.keyPath): environment variable \($0.variable) is not set"
        }.joined(separator: "\n")
    }
}
