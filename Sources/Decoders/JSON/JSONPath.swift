import Foundation

/// A dotted source path with optional array indexes: `data.items`, `address.ward_code`, `identifier[0].value`,
/// `@iot.nextLink` (a key containing a dot can be written in brackets: `["@iot.nextLink"]`), and `[key=value]` for
/// the first element of an array whose member `key` has that value (OGC API `links[rel=next].href`).
public struct JSONPath: Sendable, Hashable, CustomStringConvertible {
    /// One step of a path.
    public enum Step: Sendable, Hashable {
        /// An object member.
        case key(String)
        /// An array element (0-based).
        case index(Int)
        /// The first array element that is an object whose member `key` is `value` (as text).
        case match(key: String, value: String)
    }

    /// The steps, outermost first.
    public let steps: [Step]
    /// The path as written.
    public let description: String

    /// A path of `steps` (the tail of another path).
    package init(steps: [Step]) {
        self.steps = steps
        self.description = steps.map {
            switch $0 {
            case .key(let key): "." + key
            case .index(let n): "[\(n)]"
            case .match(let key, let value): "[\(key)=\(value)]"
            }
        }.joined()
    }

    /// Parses `text`; an empty path (or `$`) means the document itself. Nil when the syntax is wrong.
    public init?(_ text: String) {
        description = text
        var steps: [Step] = []
        var chars = Array(text.unicodeScalars)
        if chars.first == "$" { chars.removeFirst() }
        var i = 0
        var key = String.UnicodeScalarView()
        func flushKey() {
            if !key.isEmpty { steps.append(.key(String(key))) }
            key = String.UnicodeScalarView()
        }
        while i < chars.count {
            let c = chars[i]
            if c == "." {
                flushKey()
                i += 1
            } else if c == "[" {
                flushKey()
                guard let close = chars[i...].firstIndex(of: "]") else { return nil }
                var inner = String(String.UnicodeScalarView(chars[(i + 1)..<close]))
                if inner.count >= 2, let q = inner.first, q == "\"" || q == "'", inner.last == q {
                    inner = String(inner.dropFirst().dropLast())
                    steps.append(.key(inner))
                } else if let n = Int(inner), n >= 0 {
                    steps.append(.index(n))
                } else if let equals = inner.firstIndex(of: "="), equals != inner.startIndex,
                    inner.index(after: equals) != inner.endIndex
                {
                    steps.append(.match(key: String(inner[..<equals]), value: String(inner[inner.index(after: equals)...])))
                } else {
                    return nil
                }
                i = close + 1
            } else {
                key.append(c)
                i += 1
            }
        }
        flushKey()
        self.steps = steps
    }

    /// The value at this path inside a `JSONSerialization` object tree.
    package func resolve(in root: Any) -> Any? {
        var node: Any = root
        for step in steps {
            switch step {
            case .key(let k):
                guard let object = node as? [String: Any], let next = object[k] else { return nil }
                node = next
            case .index(let n):
                guard let array = node as? [Any], n < array.count else { return nil }
                node = array[n]
            case .match(let key, let value):
                guard let array = node as? [Any],
                    let found = array.first(where: { element in
                        guard let member = (element as? [String: Any])?[key] else { return false }
                        return (member as? String) == value || (member as? NSNumber)?.stringValue == value
                    })
                else { return nil }
                node = found
            }
        }
        return node
    }
}
