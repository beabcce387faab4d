import Foundation
import Manifest
import Normalize

/// The connector manifests of a directory, validated.
public struct ManifestCatalog: Sendable {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// The semantics a field may declare: one per normaliser.
    public static let knownSemantics = Semantic.allCases.map(\.rawValue)

    /// The valid manifests named (all when `names` is empty); an unknown name or an invalid manifest is an error
    /// listing every problem.
    public func manifests(named names: [String]) throws -> [ConnectorManifest] {
        let folder = URL(fileURLWithPath: directory, isDirectory: true)
        let files = try ManifestLoader.manifestFiles(in: folder)
        let available = Dictionary(files.map { ($0.deletingPathExtension().lastPathComponent, $0) }, uniquingKeysWith: { a, _ in a })
        let wanted = names.isEmpty ? available.keys.sorted() : names
        let loader = ManifestLoader(knownSemantics: ManifestCatalog.knownSemantics)
        return try wanted.map { name in
            guard let file = available[name] else {
                throw UnknownFeed(name: name, directory: directory, known: available.keys.sorted())
            }
            return try loader.loadValid(contentsOf: file, displayPath: "\(directory)/\(file.lastPathComponent)")
        }
    }

    /// `["a","b"]` for the run's arguments.
    public static func jsonArray(_ names: [String]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: ["feeds": names])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

/// A feed name with no manifest.
public struct UnknownFeed: Error, CustomStringConvertible, Sendable {
    public let name: String
    public let directory: String
    public let known: [String]
    public var description: String {
        "no manifest \(directory)/\(name).yaml (feeds: \(known.joined(separator: ", ")))"
    }
}
