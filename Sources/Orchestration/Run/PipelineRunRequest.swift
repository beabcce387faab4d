/// What to run: a pipeline of `Pipelines/`, the folders it reads, and the database.
public struct PipelineRunRequest: Sendable {
    /// `Pipelines/NAME.yaml`, or a path to a YAML file.
    public var pipeline: String = "nightly"
    /// The folder of pipeline files.
    public var pipelines: String = "Pipelines"
    /// The folder of connector manifests.
    public var connectors: String = "Connectors"
    /// The folder of SQL models (for transform steps).
    public var models: String = "Pipelines/models"
    /// A `postgresql://` URL or libpq `key=value` string ("" for libpq's `PG*` variables).
    public var conninfo: String

    public init(
        pipeline: String = "nightly", pipelines: String = "Pipelines", connectors: String = "Connectors",
        models: String = "Pipelines/models", conninfo: String
    ) {
        self.pipeline = pipeline
        self.pipelines = pipelines
        self.connectors = connectors
        self.models = models
        self.conninfo = conninfo
    }
}
