import Ingest
import Manifest

/// A pipeline read and checked from its files (the pipeline, its feeds' manifests), before any database is
/// touched: `citypipe run` refuses an invalid pipeline without connecting anywhere.
public struct PipelinePlan: Sendable {
    /// The validated pipeline.
    public let definition: PipelineManifest
    /// The manifests of its feeds, by feed name.
    public let manifests: [String: ConnectorManifest]
    /// The folder of connector manifests.
    public let connectors: String
    /// The folder of SQL models (for transform steps).
    public let models: String

    /// The pipeline's name (its `name:`).
    public var name: String { definition.name }

    /// Reads `pipeline` (a name in `pipelines`, or a path to a YAML file) and its feeds' manifests.
    ///
    /// - Throws: `OrchestrationError.invalid` naming the file, key and line of what is wrong (or the pipelines
    ///   there are, when there is no such pipeline).
    public init(pipeline: String, pipelines: String = "Pipelines", connectors: String = "Connectors", models: String = "Pipelines/models") throws(OrchestrationError) {
        do {
            definition = try PipelineCatalog(pipelines: pipelines, connectors: connectors).pipeline(named: pipeline)
            let loaded = try ManifestCatalog(directory: connectors).manifests(named: definition.feeds)
            manifests = Dictionary(loaded.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        } catch {
            throw .invalid(because: error)
        }
        self.connectors = connectors
        self.models = models
    }

    /// The plan of `request` (its files only; `request.conninfo` is not used).
    public init(_ request: PipelineRunRequest) throws(OrchestrationError) {
        try self.init(pipeline: request.pipeline, pipelines: request.pipelines, connectors: request.connectors, models: request.models)
    }
}
