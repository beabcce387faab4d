import Foundation
import Yams

/// The outcome of loading one pipeline file: the model when it is valid, and every problem found.
public struct PipelineLoadResult: Sendable {
    /// The file as named in issues.
    public var file: String
    /// The pipeline; nil when there is any error.
    public var pipeline: PipelineManifest?
    /// Every problem, in source order.
    public var issues: [ManifestIssue]

    /// True when the pipeline can be run.
    public var isValid: Bool { pipeline != nil && !issues.contains { $0.severity == .error } }
}

/// A pipeline file that cannot be used, with every problem found in it.
public struct InvalidPipeline: Error, Sendable, CustomStringConvertible {
    /// The file.
    public var file: String
    /// Every problem, in source order.
    public var issues: [ManifestIssue]

    /// One line per problem (`file:line:column: key.path: message`).
    public var description: String { issues.map(\.description).joined(separator: "\n") }
}

/// Reads `Pipelines/*.yaml`, reporting every problem with file, line, column and key path, as `ManifestLoader`
/// does for connectors. Feed names are checked against the connector manifests that exist.
///
/// ```yaml
/// name: nightly
/// concurrency: 3                 # feeds loaded at once
/// steps:
///   - name: registries
///     ingest: [population, business, insurance]
///   - name: sectors
///     ingest: [labour, health_encounters]
///     concurrency: 2             # a lower limit for this step
///     on_failure: continue       # continue (default) | stop: skip the later steps
/// ```
public struct PipelineLoader: Sendable {
    /// The feeds that have a connector manifest; a step naming another feed is an error.
    public let knownFeeds: [String]
    /// Largest `concurrency` accepted.
    public static let maxConcurrency = 64

    /// Creates a loader that accepts the feeds in `knownFeeds`.
    public init(knownFeeds: [String]) {
        self.knownFeeds = knownFeeds
    }

    /// Loads a file; `displayPath` names it in issues.
    public func load(contentsOf url: URL, displayPath: String? = nil) -> PipelineLoadResult {
        let file = displayPath ?? url.path
        guard let data = try? Data(contentsOf: url) else {
            return PipelineLoadResult(file: file, pipeline: nil, issues: [Self.issue(file, nil, .root, "cannot read the file")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            return PipelineLoadResult(file: file, pipeline: nil, issues: [Self.issue(file, nil, .root, "the file is not UTF-8 text")])
        }
        return load(yaml: text, file: file)
    }

    /// Loads YAML text; the file's stem must equal the pipeline's `name`.
    public func load(yaml: String, file: String) -> PipelineLoadResult {
        let root: Node
        do {
            guard let composed = try Yams.compose(yaml: yaml) else {
                return PipelineLoadResult(file: file, pipeline: nil, issues: [Self.issue(file, nil, .root, "the file is empty")])
            }
            root = composed
        } catch {
            return PipelineLoadResult(file: file, pipeline: nil, issues: [Self.issue(file, nil, .root, "YAML syntax: \(error)")])
        }
        var walker = PipelineWalker(file: file, knownFeeds: knownFeeds)
        let pipeline = walker.pipeline(root)
        let valid = !walker.issues.contains { $0.severity == .error }
        return PipelineLoadResult(file: file, pipeline: valid ? pipeline : nil, issues: walker.issues)
    }

    /// Loads a file and returns the pipeline, or throws every problem.
    public func loadValid(contentsOf url: URL, displayPath: String? = nil) throws(InvalidPipeline) -> PipelineManifest {
        let result = load(contentsOf: url, displayPath: displayPath)
        guard let pipeline = result.pipeline, result.isValid else {
            throw InvalidPipeline(file: result.file, issues: result.issues.filter { $0.severity == .error })
        }
        return pipeline
    }

    static func issue(_ file: String, _ mark: Mark?, _ path: ManifestKeyPath, _ message: String) -> ManifestIssue {
        ManifestIssue(file: file, keyPath: path, line: mark?.line ?? 0, column: mark?.column ?? 0, message: message)
    }
}
