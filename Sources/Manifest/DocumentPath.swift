import Foundation

/// A path to a value inside a JSON document, as written in `records.path`, a field's `path`
/// or a pagination `cursor_path`: dotted names, `[n]` indexes, `[*]` for every element,
/// `[key=value]` to pick the element whose `key` equals `value`, and `['name']` for names
/// holding dots or brackets.
///
/// Examples: `data.items`, `entry[*].resource`, `link[relation=next].url`, `['@iot.nextLink']`.
public struct DocumentPath: Codable, Hashable, Sendable, CustomStringConvertible {
    /// One step of a path.
    public enum Segment: Hashable, Sendable {
        /// A member of an object.
        case member(String)
        /// An element of an array, zero-based.
        case index(Int)
        /// Every element of an array.
        case each
        /// The first element of an array whose member `key` equals `value` (as text).
        case match(key: String, value: String)
    }

    /// The steps, outermost first. Empty means the document itself.
    public var segments: [Segment]
    /// The text as written.
    public var text: String

    /// Parses `text`; throws `DocumentPathError` with the offset of the first bad character.
    public init(parsing text: String) throws(DocumentPathError) {
        self.text = text
        self.segments = try Self.parse(Array(text))
    }

    /// The document itself (the empty path).
    public static let document = DocumentPath(segments: [], text: "")

    private init(segments: [Segment], text: String) {
        self.segments = segments
        self.text = text
    }

    /// The text as written.
    public var description: String { text }

    /// Decodes and parses a path string.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let raw = try container.decode(String.self)
        do {
            try self.init(parsing: raw)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    /// Encodes the text as written.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }

    private static func parse(_ chars: [Character]) throws(DocumentPathError) -> [Segment] {
        var segments: [Segment] = []
        var position = 0
        var expectName = true
        while position < chars.count {
            let character = chars[position]
            if character == "[" {
                let (segment, next) = try parseBracket(chars, from: position)
                segments.append(segment)
                position = next
                expectName = false
                continue
            }
            if character == "." {
                guard !segments.isEmpty, position + 1 < chars.count else {
                    throw DocumentPathError(offset: position, problem: "a '.' must stand between two names")
                }
                position += 1
                expectName = true
                guard chars[position] != "[", chars[position] != "." else {
                    throw DocumentPathError(offset: position, problem: "a name must follow '.'")
                }
                continue
            }
            guard expectName else {
                throw DocumentPathError(offset: position, problem: "expected '.' or '[' after ']'")
            }
            var name = ""
            while position < chars.count, chars[position] != ".", chars[position] != "[" {
                if chars[position] == "]" || chars[position].isWhitespace {
                    throw DocumentPathError(
                        offset: position, problem: "unexpected '\(chars[position])' in a name (quote it as ['...'])")
                }
                name.append(chars[position])
                position += 1
            }
            segments.append(.member(name))
            expectName = false
        }
        return segments
    }

    private static func parseBracket(_ chars: [Character], from start: Int) throws(DocumentPathError) -> (Segment, Int) {
        var position = start + 1
        if position < chars.count, chars[position] == "'" || chars[position] == "\"" {
            let quote = chars[position]
            position += 1
            var name = ""
            while position < chars.count, chars[position] != quote {
                name.append(chars[position])
                position += 1
            }
            guard position + 1 < chars.count, chars[position + 1] == "]" else {
                throw DocumentPathError(offset: start, problem: "unterminated quoted name")
            }
            guard !name.isEmpty else { throw DocumentPathError(offset: start, problem: "empty quoted name") }
            return (.member(name), position + 2)
        }
        var body = ""
        while position < chars.count, chars[position] != "]" {
            body.append(chars[position])
            position += 1
        }
        guard position < chars.count else { throw DocumentPathError(offset: start, problem: "missing ']'") }
        let next = position + 1
        if body == "*" { return (.each, next) }
        if let index = Int(body), index >= 0 { return (.index(index), next) }
        if let equals = body.firstIndex(of: "=") {
            let key = String(body[..<equals]).trimmingCharacters(in: .whitespaces)
            var value = String(body[body.index(after: equals)...]).trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == "'" || first == "\"", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            guard !key.isEmpty else { throw DocumentPathError(offset: start, problem: "empty key in [key=value]") }
            return (.match(key: key, value: value), next)
        }
        throw DocumentPathError(
            offset: start, problem: "'[\(body)]' is not an index, [*], [key=value] or ['name']")
    }
}

/// Why a `DocumentPath` or `XMLElementPath` could not be parsed.
public struct DocumentPathError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Zero-based character offset of the problem in the path text.
    public var offset: Int
    /// What is wrong.
    public var problem: String

    /// `problem (at character N)`.
    public var description: String { "\(problem) (at character \(offset + 1))" }
}

/// A path of XML element names separated by `/`, as in
/// `GIAMDINHHS/THONGTINHOSO/DANHSACHHOSO/HOSO`; a last step `@name` selects an attribute.
public struct XMLElementPath: Codable, Hashable, Sendable, CustomStringConvertible {
    /// Element names, outermost first (the last may be `@attribute`).
    public var steps: [String]

    /// Parses `text`; throws `DocumentPathError` for an empty step or a character XML names cannot hold.
    public init(parsing text: String) throws(DocumentPathError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        var offset = 0
        for (position, part) in parts.enumerated() {
            let isAttribute = part.hasPrefix("@") && position == parts.count - 1
            let name = isAttribute ? String(part.dropFirst()) : part
            guard !name.isEmpty else { throw DocumentPathError(offset: offset, problem: "empty element name") }
            guard let first = name.first, first.isLetter || first == "_",
                  name.allSatisfy({ $0.isLetter || $0.isNumber || "_-.:".contains($0) }) else {
                throw DocumentPathError(offset: offset, problem: "'\(part)' is not an XML name")
            }
            offset += part.count + 1
        }
        steps = parts
    }

    /// The steps joined by `/`.
    public var description: String { steps.joined(separator: "/") }

    /// Decodes and parses a path string.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let raw = try container.decode(String.self)
        do {
            try self.init(parsing: raw)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    /// Encodes the steps joined by `/`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
