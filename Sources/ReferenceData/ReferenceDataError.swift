/// Why reference data could not be read.
public enum ReferenceDataError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The file is not in the resource bundle (a broken install: the `*_ReferenceData.resources` folder must sit
    /// beside the `citypipe` binary).
    case missingResource(file: String)
    /// The file exists but could not be read.
    case unreadable(file: String, reason: String)
    /// A row does not have the shape the file's header promises.
    case malformedRow(file: String, line: Int, reason: String)

    public var description: String {
        switch self {
        case .missingResource(let file):
            return "reference file \(file) is missing from the install; reinstall citypipe with its resource bundles"
        case .unreadable(let file, let reason):
            return "reference file \(file) could not be read: \(reason)"
        case .malformedRow(let file, let line, let reason):
            return "reference file \(file), line \(line): \(reason)"
        }
    }
}
