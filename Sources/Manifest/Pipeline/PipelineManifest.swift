/// A pipeline (`Pipelines/NAME.yaml`): which feeds `citypipe run NAME` ingests, in which order and how many at
/// once, and the stages that follow ingestion.
///
/// Steps run one after the other; the feeds of one `ingest` step run concurrently, at most `concurrency` at a
/// time. A feed that fails does not stop the others or the later steps (unless its step says
/// `on_failure: stop`); the run then ends with exit status 2 naming it.
public struct PipelineManifest: Sendable, Hashable {
    /// The pipeline's name (= the file's stem).
    public var name: String
    /// What the pipeline is for.
    public var description: String?
    /// Feeds loaded at once across the whole run (each on its own database connection).
    public var concurrency: Int
    /// The steps, in order.
    public var steps: [PipelineStep]
    /// PostgreSQL parameters set in every session the run opens (`settings:`, as pgloader's `SET PostgreSQL
    /// PARAMETERS`), in the file's order.
    public var settings: [PipelineSetting]

    /// Creates a pipeline.
    public init(
        name: String, description: String? = nil, concurrency: Int = 2, steps: [PipelineStep], settings: [PipelineSetting] = []
    ) {
        self.name = name
        self.description = description
        self.concurrency = concurrency
        self.steps = steps
        self.settings = settings
    }

    /// Every feed the pipeline ingests, in step order.
    public var feeds: [String] {
        steps.flatMap { step -> [String] in
            if case .ingest(let feeds) = step.action { return feeds }
            return []
        }
    }
}

/// A PostgreSQL parameter a pipeline sets in its sessions.
public struct PipelineSetting: Sendable, Hashable {
    /// The parameter (`max_parallel_workers_per_gather`).
    public var name: String
    /// Its value as PostgreSQL reads it (`0`, `256MB`, `off`).
    public var value: String

    /// Creates a setting.
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// One step of a pipeline.
public struct PipelineStep: Sendable, Hashable {
    /// What a step does.
    public enum Action: Sendable, Hashable {
        /// Load these feeds into staging (concurrently, up to the pipeline's or the step's limit).
        case ingest([String])
        /// Run the transform stage (normalise, link, SQL models); `models` limits it to some models, all when empty.
        case transform(models: [String])
    }

    /// What happens to the rest of the run when something in this step fails.
    public enum FailurePolicy: String, Sendable, Hashable, CaseIterable {
        /// Go on with the other feeds and the later steps (the run ends with status 2).
        case `continue`
        /// Skip the later steps (the step's own feeds still finish).
        case stop
    }

    /// The step's name, shown in logs and `citypipe status`.
    public var name: String
    /// What it does.
    public var action: Action
    /// A lower limit than the pipeline's for this step, if set.
    public var concurrency: Int?
    /// What a failure here does to the later steps.
    public var onFailure: FailurePolicy

    /// Creates a step.
    public init(name: String, action: Action, concurrency: Int? = nil, onFailure: FailurePolicy = .continue) {
        self.name = name
        self.action = action
        self.concurrency = concurrency
        self.onFailure = onFailure
    }
}
