import Foundation

/// One `{{ name('argument', …) }}` of a model file: `ref`, `changes`, `added_or_removed`, `affected` or `signed`. Arguments are quoted strings,
/// in single quotes as SQL literals (a quote inside one is written twice, as in SQL) or in double quotes.
struct ModelMacro: Sendable, Equatable {
    let name: String
    let arguments: [String]
    /// Where it stands in the text it was read from.
    let range: Range<String.Index>
    /// Its line in the file.
    let line: Int

    /// Every macro of `text`, in order; `firstLine` is the file line `text` starts on.
    static func scan(_ text: String, file: String, firstLine: Int) throws(ModelError) -> [ModelMacro] {
        var macros: [ModelMacro] = []
        var searchFrom = text.startIndex
        while let open = text.range(of: "{{", range: searchFrom..<text.endIndex) {
            let line = firstLine + text[..<open.lowerBound].filter { $0 == "\n" }.count
            var scanner = Scanner(text: text, index: open.upperBound)
            func fail(_ message: String) -> ModelError {
                .invalid(file: file, line: line, message: message + " (write {{ ref('schema.name') }}, {{ changes('schema.name') }} or {{ affected('expression', …) }})")
            }
            scanner.skipSpaces()
            let name = scanner.identifier()
            guard !name.isEmpty else { throw fail("a macro between {{ }} starts with its name") }
            scanner.skipSpaces()
            guard scanner.take("(") else { throw fail("\(name): its arguments follow in ( )") }
            var arguments: [String] = []
            scanner.skipSpaces()
            if !scanner.take(")") {
                while true {
                    scanner.skipSpaces()
                    guard let argument = scanner.quoted() else { throw fail("\(name): each argument is a quoted string") }
                    arguments.append(argument)
                    scanner.skipSpaces()
                    if scanner.take(")") { break }
                    guard scanner.take(",") else { throw fail("\(name): arguments are separated by commas") }
                }
            }
            scanner.skipSpaces()
            guard scanner.take("}}") else { throw fail("\(name)(…) is closed by }}") }
            macros.append(ModelMacro(name: name, arguments: arguments, range: open.lowerBound..<scanner.index, line: line))
            searchFrom = scanner.index
        }
        return macros
    }

    /// `text` with each of its `macros` replaced by what `replacement` gives for it.
    static func expand(_ text: String, _ macros: [ModelMacro], _ replacement: (ModelMacro) -> String) -> String {
        var result = ""
        var last = text.startIndex
        for macro in macros {
            result += text[last..<macro.range.lowerBound]
            result += replacement(macro)
            last = macro.range.upperBound
        }
        result += text[last...]
        return result
    }

    /// A cursor over a macro's text.
    private struct Scanner {
        let text: String
        var index: String.Index

        init(text: String, index: String.Index) {
            self.text = text
            self.index = index
        }

        mutating func skipSpaces() {
            while index < text.endIndex, text[index].isWhitespace { index = text.index(after: index) }
        }

        mutating func identifier() -> String {
            let start = index
            while index < text.endIndex, text[index] == "_" || (text[index].isASCII && text[index].isLetter) {
                index = text.index(after: index)
            }
            return String(text[start..<index])
        }

        mutating func take(_ token: String) -> Bool {
            guard text[index...].hasPrefix(token) else { return false }
            index = text.index(index, offsetBy: token.count)
            return true
        }

        /// A quoted string (the quote written twice inside is one); nil, without moving, when there is none.
        mutating func quoted() -> String? {
            guard index < text.endIndex, text[index] == "'" || text[index] == "\"" else { return nil }
            let quote = text[index]
            var value = ""
            var cursor = text.index(after: index)
            while cursor < text.endIndex {
                let character = text[cursor]
                cursor = text.index(after: cursor)
                if character == quote {
                    if cursor < text.endIndex, text[cursor] == quote {
                        value.append(quote)
                        cursor = text.index(after: cursor)
                        continue
                    }
                    index = cursor
                    return value
                }
                value.append(character)
            }
            return nil
        }
    }
}
