/// Why the SQL models cannot be read or run. Messages name the model's file and line, or the model and the
/// statement; never a row's values.
public enum ModelError: Error, Sendable, CustomStringConvertible, Equatable {
    /// A problem in a model file.
    case invalid(file: String, line: Int, message: String)
    /// Models that depend on each other in a circle.
    case cycle([String])
    /// `--select` names no model.
    case unknownModel(String, known: [String])

    public var description: String {
        switch self {
        case .invalid(let file, let line, let message): return "\(file):\(line): \(message)"
        case .cycle(let names): return "the models depend on each other in a circle: \(names.joined(separator: " → "))"
        case .unknownModel(let name, let known):
            return "no model \(name) (models: \(known.joined(separator: ", ")))"
        }
    }
}
