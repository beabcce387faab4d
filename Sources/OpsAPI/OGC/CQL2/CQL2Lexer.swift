import Foundation

/// The tokens of CQL2 text (OGC 21-065): identifiers, string and number literals, operators, punctuation.
enum CQL2Token: Sendable, Equatable {
    case identifier(String)
    case string(String)
    case number(Double, String)
    case symbol(String)
    case end
}

/// Splits CQL2 text into tokens; a malformed text is a 400 naming the position.
struct CQL2Lexer {
    static func tokens(_ text: String) throws(APIError) -> [CQL2Token] {
        let characters = Array(text)
        var tokens: [CQL2Token] = []
        var index = 0
        func fail(_ message: String) -> APIError {
            .badRequest("bad_filter", "filter: \(message) at character \(index + 1)")
        }
        while index < characters.count {
            let character = characters[index]
            if character.isWhitespace {
                index += 1
                continue
            }
            if character == "'" {
                var value = ""
                index += 1
                var closed = false
                while index < characters.count {
                    if characters[index] == "'" {
                        if index + 1 < characters.count, characters[index + 1] == "'" {
                            value.append("'")
                            index += 2
                            continue
                        }
                        closed = true
                        index += 1
                        break
                    }
                    value.append(characters[index])
                    index += 1
                }
                guard closed else { throw fail("a string is not closed") }
                tokens.append(.string(value))
                continue
            }
            if character == "\"" {
                var value = ""
                index += 1
                while index < characters.count, characters[index] != "\"" {
                    value.append(characters[index])
                    index += 1
                }
                guard index < characters.count else { throw fail("a quoted name is not closed") }
                index += 1
                tokens.append(.identifier(value))
                continue
            }
            if character.isNumber || (character == "-" || character == "+" || character == ".") && index + 1 < characters.count
                && (characters[index + 1].isNumber || characters[index + 1] == ".") && CQL2Lexer.numberMayStart(after: tokens.last)
            {
                var text = String(character)
                index += 1
                while index < characters.count, characters[index].isNumber || characters[index] == "." || characters[index] == "e"
                    || characters[index] == "E" || (characters[index] == "-" || characters[index] == "+") && (text.last == "e" || text.last == "E")
                {
                    text.append(characters[index])
                    index += 1
                }
                guard let value = Double(text), value.isFinite else { throw fail("'\(text.prefix(20))' is not a number") }
                tokens.append(.number(value, text))
                continue
            }
            if character.isLetter || character == "_" {
                var text = ""
                while index < characters.count, characters[index].isLetter || characters[index].isNumber || characters[index] == "_" || characters[index] == ":" {
                    text.append(characters[index])
                    index += 1
                }
                tokens.append(.identifier(text))
                continue
            }
            let two = index + 1 < characters.count ? String(characters[index...index + 1]) : ""
            if ["<>", "<=", ">="].contains(two) {
                tokens.append(.symbol(two))
                index += 2
                continue
            }
            if "=<>(),".contains(character) {
                tokens.append(.symbol(String(character)))
                index += 1
                continue
            }
            throw fail("'\(character)' is not part of CQL2 text")
        }
        tokens.append(.end)
        return tokens
    }

    /// A sign starts a number after an operator, a comma or an opening parenthesis (coordinates), not after a value.
    static func numberMayStart(after token: CQL2Token?) -> Bool {
        switch token {
        case .none, .symbol: return true
        case .identifier(let word): return ["AND", "OR", "NOT", "BETWEEN"].contains(word.uppercased())
        default: return false
        }
    }
}
