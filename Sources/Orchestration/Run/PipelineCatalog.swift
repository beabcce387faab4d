import Foundation
import Ingest
import Manifest

/// Finds and validates a pipeline file of `Pipelines/` against the connector manifests that exist.
struct PipelineCatalog {
    let pipelines: String
    let connectors: String

    /// The connector names (`Connectors/*.yaml` stems).
    func feedNames() throws -> [String] {
        let folder = URL(fileURLWithPath: connectors, isDirectory: true)
        return try ManifestLoader.manifestFiles(in: folder).map { $0.deletingPathExtension().lastPathComponent }
    }

    /// `Pipelines/NAME.yaml` (or a path to a YAML file), validated.
    func pipeline(named name: String) throws -> PipelineManifest {
        let url: URL
        if name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            url = URL(fileURLWithPath: name)
        } else {
            url = URL(fileURLWithPath: pipelines, isDirectory: true).appendingPathComponent("\(name).yaml")
        }
        guard FileManager.default.fileExists(atPath: url.path) else {
            let known = (try? ManifestLoader.manifestFiles(in: URL(fileURLWithPath: pipelines, isDirectory: true)))?
                .map { $0.deletingPathExtension().lastPathComponent } ?? []
            throw OrchestrationError.invalid("no pipeline \(url.path) (pipelines: \(known.isEmpty ? "none" : known.joined(separator: ", ")))")
        }
        let display = name.hasSuffix(".yaml") || name.hasSuffix(".yml") ? name : "\(pipelines)/\(name).yaml"
        return try PipelineLoader(knownFeeds: try feedNames()).loadValid(contentsOf: url, displayPath: display)
    }
}
