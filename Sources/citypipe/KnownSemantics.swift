import Ingest

extension CheckCommand {
    /// The semantics a manifest field may declare: one per normaliser.
    static let knownSemantics = ManifestCatalog.knownSemantics
}
