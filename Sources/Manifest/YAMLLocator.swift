import Foundation
import Yams

/// Finds where a key path is in a composed YAML document, so that any problem, including one
/// found after parsing (a `DecodingError`'s coding path), is reported with its line and column.
public struct YAMLLocator {
    /// The document root.
    public let root: Node

    /// Creates a locator over a composed document.
    public init(root: Node) {
        self.root = root
    }

    /// The node at `path`, if every step exists.
    public func node(at path: ManifestKeyPath) -> Node? {
        var current = root
        for component in path.components {
            guard let next = Self.child(of: current, component) else { return nil }
            current = next
        }
        return current
    }

    /// The position of the value at `path`, or of its deepest existing ancestor when the path
    /// does not exist (a missing key is reported at the mapping that should hold it).
    public func mark(for path: ManifestKeyPath) -> Mark? {
        var current = root
        var best = root.mark
        for component in path.components {
            guard let next = Self.child(of: current, component) else { break }
            current = next
            best = next.mark ?? best
        }
        return best
    }

    /// The position of the mapping key (not the value) at the end of `path`, falling back to `mark(for:)`.
    public func keyMark(for path: ManifestKeyPath) -> Mark? {
        guard case .key(let last)? = path.components.last,
              let parent = node(at: ManifestKeyPath(components: Array(path.components.dropLast()))),
              let mapping = parent.mapping,
              let pair = mapping.first(where: { $0.key.string == last }) else {
            return mark(for: path)
        }
        return pair.key.mark
    }

    /// A key path from a `Codable` coding path (integer keys are sequence indexes).
    public static func keyPath(from codingPath: [any CodingKey]) -> ManifestKeyPath {
        ManifestKeyPath(components: codingPath.map { key in
            if let index = key.intValue { return .index(index) }
            return .key(key.stringValue)
        })
    }

    private static func child(of node: Node, _ component: ManifestKeyPathComponent) -> Node? {
        switch (component, node) {
        case (.key(let key), .mapping(let mapping)):
            return mapping.first(where: { $0.key.string == key })?.value
        case (.index(let index), .sequence(let sequence)):
            return index >= 0 && index < sequence.count ? sequence[index] : nil
        case (.index(let index), .mapping(let mapping)):
            // `fields` written as a mapping while a decoder counts them.
            return index >= 0 && index < mapping.count ? mapping[mapping.index(mapping.startIndex, offsetBy: index)].value : nil
        default:
            return nil
        }
    }
}
