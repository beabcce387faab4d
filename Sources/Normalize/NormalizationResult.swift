/// A value turned into its canonical form by one of the normalisers.
public struct Normalized: Sendable, Equatable {
    /// The canonical value (what the pipeline stores).
    public var value: String
    /// A match key for linkage (folded, lower case), when the semantic has one.
    public var key: String?
    /// What the normaliser changed or assumed, for operators (never the input value itself).
    public var notes: [String]

    /// Builds a normalised value.
    public init(value: String, key: String? = nil, notes: [String] = []) {
        self.value = value
        self.key = key
        self.notes = notes
    }
}

/// The machine-readable reason a value could not be normalised.
public enum FailureCode: String, Sendable, Equatable, CaseIterable {
    /// Nothing but spaces or punctuation.
    case empty
    /// Characters that the semantic does not allow (digits in a name, letters in a phone number…).
    case invalidCharacters = "invalid_characters"
    /// Wrong number of digits or characters.
    case invalidLength = "invalid_length"
    /// The layout is not one the semantic knows.
    case invalidFormat = "invalid_format"
    /// A check digit does not match.
    case checksum
    /// A component (day, month, province code, prefix…) is out of its range.
    case outOfRange = "out_of_range"
    /// The value contradicts another field of the record (birth date, sex).
    case mismatch
    /// No unit, code or prefix of the reference data matches.
    case notFound = "not_found"
    /// Several candidates match and nothing in the value or its context decides.
    case ambiguous
    /// The value needs context that was not given (an as-of date, a two-digit-year pivot, a VN-2000 zone).
    case needsContext = "needs_context"
    /// The reference data could not be loaded (a broken install).
    case referenceDataUnavailable = "reference_data_unavailable"
}

/// Why a value could not be normalised.
///
/// `reason` is written for people and never quotes the input value (which may be personal data): it says what was
/// expected and what was found, e.g. "12 digits expected, found 11".
public struct NormalizationFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The machine-readable code.
    public let code: FailureCode
    /// The human-readable reason (no input data in it).
    public let reason: String
    /// Reference codes that would fit (administrative units when ambiguous); never input data.
    public let candidates: [String]

    /// Builds a failure.
    public init(_ code: FailureCode, _ reason: String, candidates: [String] = []) {
        self.code = code
        self.reason = reason
        self.candidates = candidates
    }

    public var description: String { "\(code.rawValue): \(reason)" }
}

/// The outcome of normalising one value through the generic entry point.
public typealias NormalizationResult = Result<Normalized, NormalizationFailure>
