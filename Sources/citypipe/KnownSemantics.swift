import Normalize

extension CheckCommand {
    /// The semantics a manifest field may declare: one per normaliser.
    static let knownSemantics = Semantic.allCases.map(\.rawValue)
}
