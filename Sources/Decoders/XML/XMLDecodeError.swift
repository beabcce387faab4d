/// An XML stream that is not well-formed. Names the byte offset (and the record being read, if any);
/// never includes text content.
public struct XMLDecodeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Machine-readable reasons.
    public enum Reason: String, Sendable, Hashable {
        /// The stream ended inside a token or before the root element closed.
        case unexpectedEnd = "unexpected_end"
        /// An end tag that does not close the open element.
        case mismatchedEndTag = "mismatched_end_tag"
        /// A tag that cannot be read (no name).
        case malformedTag = "malformed_tag"
        /// An attribute without `=` or a quoted value.
        case malformedAttribute = "malformed_attribute"
        /// An entity other than the five predefined ones or a character reference.
        case unknownEntity = "unknown_entity"
        /// Non-whitespace text before or after the root element.
        case textOutsideRoot = "text_outside_root"
        /// A second root element.
        case multipleRoots = "multiple_roots"
        /// A tag longer than the limit (bounds memory).
        case tokenTooLarge = "token_too_large"
        /// Elements nested deeper than the tokenizer's limit.
        case tooDeep = "too_deep"
        /// A document without any element.
        case noRootElement = "no_root_element"
    }

    /// Byte offset in the (decompressed) stream where the problem was found.
    public let offset: Int
    /// The record being read (1-based), if any.
    public let record: Int?
    /// The machine reason.
    public let reason: Reason
    /// A human explanation (element names at most, never text content).
    public let message: String

    /// Creates an error.
    public init(offset: Int, record: Int?, reason: Reason, message: String) {
        self.offset = offset
        self.record = record
        self.reason = reason
        self.message = message
    }

    /// A one-line explanation without any data value.
    public var description: String {
        var s = "malformed XML at byte \(offset)"
        if let record { s += " (record \(record))" }
        return s + ": \(reason.rawValue): \(message)"
    }

    package func with(record: Int?) -> XMLDecodeError {
        XMLDecodeError(offset: offset, record: record, reason: reason, message: message)
    }
}
