/// Why the direct JSON reader handed a page back to the general (Foundation) path. Not an error of the feed:
/// the general path then decides (it parses the page, or reports why it is not JSON). Never holds a data value.
package struct DirectJSONFallback: Error, Equatable {
    package let reason: String
}

/// A reader over the bytes of one JSON document (RFC 8259, strict): whitespace, strings, numbers, literals, and
/// skipping a whole value. It accepts only what a strict parser accepts; anything else, and anything whose
/// meaning the general path might read differently (numbers beyond Int64, `-0`, lone surrogates), throws
/// `DirectJSONFallback`. The bytes must be valid UTF-8 (checked once per page by the caller).
package struct JSONByteCursor {
    package let base: UnsafePointer<UInt8>
    package let count: Int
    package var i = 0
    /// Reused buffer for strings with escapes.
    private var scratch: [UInt8] = []

    package init(base: UnsafePointer<UInt8>, count: Int) {
        self.base = base
        self.count = count
    }

    package static let quote = UInt8(ascii: "\"")
    package static let backslash = UInt8(ascii: "\\")

    @inline(__always)
    package mutating func skipWhitespace() {
        while i < count {
            let b = base[i]
            guard b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 else { return }
            i += 1
        }
    }

    /// The next byte after whitespace (not consumed), or nil at the end.
    @inline(__always)
    package mutating func peek() -> UInt8? {
        skipWhitespace()
        return i < count ? base[i] : nil
    }

    /// Consumes `byte` after whitespace.
    @inline(__always)
    package mutating func expect(_ byte: UInt8) throws(DirectJSONFallback) {
        skipWhitespace()
        guard i < count, base[i] == byte else { throw DirectJSONFallback(reason: "expected \(Character(Unicode.Scalar(byte)))") }
        i += 1
    }

    /// Consumes `byte` after whitespace when it is next.
    @inline(__always)
    package mutating func consume(_ byte: UInt8) -> Bool {
        skipWhitespace()
        guard i < count, base[i] == byte else { return false }
        i += 1
        return true
    }

    /// After a member or element: true when another follows (a `,` was consumed), false at `close` (consumed).
    @inline(__always)
    package mutating func next(closing close: UInt8) throws(DirectJSONFallback) -> Bool {
        skipWhitespace()
        guard i < count else { throw DirectJSONFallback(reason: "document ends inside a value") }
        let b = base[i]
        i += 1
        if b == UInt8(ascii: ",") { return true }
        if b == close { return false }
        throw DirectJSONFallback(reason: "expected , or a closing bracket")
    }

    /// Moves `i` from just after an opening quote to the first byte that is a quote, a backslash or a control
    /// character (eight bytes at a time where none is).
    @inline(__always)
    private mutating func scanPlainRun() {
        let raw = UnsafeRawPointer(base)
        while i + 8 <= count {
            let x = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            let ones: UInt64 = 0x0101_0101_0101_0101
            let high: UInt64 = 0x8080_8080_8080_8080
            let q = x ^ (ones &* 0x22)
            let s = x ^ (ones &* 0x5C)
            let special = ((q &- ones) & ~q) | ((s &- ones) & ~s) | ((x &- ones &* 0x20) & ~x)
            if special & high != 0 { break }
            i += 8
        }
        while i < count {
            let b = base[i]
            if b == JSONByteCursor.quote || b == JSONByteCursor.backslash || b < 0x20 { return }
            i += 1
        }
    }

    /// Reads a string (the cursor is on its opening quote, after whitespace) and returns its value.
    package mutating func readString() throws(DirectJSONFallback) -> String {
        i += 1
        let start = i
        scanPlainRun()
        guard i < count else { throw DirectJSONFallback(reason: "unterminated string") }
        if base[i] == JSONByteCursor.quote {
            let value = String(decoding: UnsafeBufferPointer(start: base + start, count: i - start), as: UTF8.self)
            i += 1
            return value
        }
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(start: base + start, count: i - start))
        try readEscapedTail()
        return String(decoding: scratch, as: UTF8.self)
    }

    /// Reads a string value (on its opening quote) without copying it when it has no escape: where its bytes are
    /// in the document, or its decoded text.
    package mutating func readStringValue() throws(DirectJSONFallback) -> ProjectedValue {
        i += 1
        let start = i
        scanPlainRun()
        guard i < count else { throw DirectJSONFallback(reason: "unterminated string") }
        if base[i] == JSONByteCursor.quote {
            i += 1
            return .span(start: start, count: i - 1 - start)
        }
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(start: base + start, count: i - start))
        try readEscapedTail()
        return .text(String(decoding: scratch, as: UTF8.self))
    }

    /// Skips a string (on its opening quote), checking it as `readString` does.
    package mutating func skipString() throws(DirectJSONFallback) {
        i += 1
        scanPlainRun()
        guard i < count else { throw DirectJSONFallback(reason: "unterminated string") }
        if base[i] == JSONByteCursor.quote {
            i += 1
            return
        }
        scratch.removeAll(keepingCapacity: true)
        try readEscapedTail()
    }

    /// Reads an object key (on its opening quote) that is plain ASCII without escapes, and returns where its
    /// bytes are. Keys with escapes or non-ASCII bytes are left to the general path (its dictionary compares
    /// them as Unicode strings).
    package mutating func readPlainKey() throws(DirectJSONFallback) -> (start: Int, count: Int) {
        i += 1
        let start = i
        while i < count {
            let b = base[i]
            if b == JSONByteCursor.quote {
                i += 1
                return (start, i - 1 - start)
            }
            if b == JSONByteCursor.backslash || b < 0x20 || b >= 0x80 { break }
            i += 1
        }
        throw DirectJSONFallback(reason: "key with escapes or non-ASCII bytes")
    }

    /// From a backslash or a control byte inside a string to its closing quote, decoding into `scratch`.
    private mutating func readEscapedTail() throws(DirectJSONFallback) {
        while i < count {
            let b = base[i]
            if b == JSONByteCursor.quote {
                i += 1
                return
            }
            if b < 0x20 { throw DirectJSONFallback(reason: "control character in a string") }
            if b != JSONByteCursor.backslash {
                scratch.append(b)
                i += 1
                continue
            }
            guard i + 1 < count else { break }
            let e = base[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "\""): scratch.append(0x22)
            case UInt8(ascii: "\\"): scratch.append(0x5C)
            case UInt8(ascii: "/"): scratch.append(0x2F)
            case UInt8(ascii: "b"): scratch.append(0x08)
            case UInt8(ascii: "f"): scratch.append(0x0C)
            case UInt8(ascii: "n"): scratch.append(0x0A)
            case UInt8(ascii: "r"): scratch.append(0x0D)
            case UInt8(ascii: "t"): scratch.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if scalar >= 0xD800 && scalar <= 0xDBFF {
                    guard i + 1 < count, base[i] == JSONByteCursor.backslash, base[i + 1] == UInt8(ascii: "u") else {
                        throw DirectJSONFallback(reason: "lone surrogate escape")
                    }
                    i += 2
                    let low = try hex4()
                    guard low >= 0xDC00 && low <= 0xDFFF else { throw DirectJSONFallback(reason: "lone surrogate escape") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if scalar >= 0xDC00 && scalar <= 0xDFFF {
                    throw DirectJSONFallback(reason: "lone surrogate escape")
                }
                // \u0000 cannot be staged (text columns hold no NUL): the general path rejects the record, naming it.
                guard scalar != 0 else { throw DirectJSONFallback(reason: "NUL escape") }
                guard let unicode = Unicode.Scalar(scalar) else { throw DirectJSONFallback(reason: "invalid escape") }
                scratch.append(contentsOf: UTF8.encode(unicode).map { Array($0) } ?? [])
            default:
                throw DirectJSONFallback(reason: "invalid escape")
            }
        }
        throw DirectJSONFallback(reason: "unterminated string")
    }

    private mutating func hex4() throws(DirectJSONFallback) -> UInt32 {
        guard i + 4 <= count else { throw DirectJSONFallback(reason: "short \\u escape") }
        var value: UInt32 = 0
        for k in 0..<4 {
            let b = base[i + k]
            let digit: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = b - UInt8(ascii: "A") + 10
            default: throw DirectJSONFallback(reason: "bad \\u escape")
            }
            value = value << 4 | UInt32(digit)
        }
        i += 4
        return value
    }

    /// Reads a number (the cursor is on its first byte) as the general path shows it: an integer as its digits,
    /// a number with a fraction or exponent as a `Double` (whole values below 1e15 without a fraction).
    package mutating func readNumber() throws(DirectJSONFallback) -> String {
        let number = try scanNumber()
        let text = UnsafeBufferPointer(start: base + number.start, count: i - number.start)
        if number.isInteger { return String(decoding: text, as: UTF8.self) }
        guard let value = Double(String(decoding: text, as: UTF8.self)), value.isFinite else {
            throw DirectJSONFallback(reason: "number out of range")
        }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    /// Passes over a number (the cursor on its first byte) that is not kept, a coordinate of a geometry read later
    /// from its raw bytes: the checks of `readNumber` (a number it would send to the general path is sent there
    /// too), without making its text. Only a number with an exponent, or with more than 300 digits before its
    /// point, can be out of a `Double`'s range, so only those are converted.
    package mutating func skipNumber() throws(DirectJSONFallback) {
        let number = try scanNumber()
        guard !number.isInteger, number.hasExponent || number.integerDigits > 300 else { return }
        let text = UnsafeBufferPointer(start: base + number.start, count: i - number.start)
        guard let value = Double(String(decoding: text, as: UTF8.self)), value.isFinite else {
            throw DirectJSONFallback(reason: "number out of range")
        }
    }

    /// The syntax of a number (JSON's grammar), the cursor moved past it; an integer the direct path does not show
    /// as the general path would (beyond 18 digits, or `-0`) is sent to the general path.
    private mutating func scanNumber() throws(DirectJSONFallback) -> (start: Int, isInteger: Bool, hasExponent: Bool, integerDigits: Int) {
        let start = i
        var isInteger = true
        var hasExponent = false
        if base[i] == UInt8(ascii: "-") { i += 1 }
        let digitsStart = i
        guard i < count, isDigit(base[i]) else { throw DirectJSONFallback(reason: "bad number") }
        if base[i] == UInt8(ascii: "0") {
            i += 1
        } else {
            while i < count, isDigit(base[i]) { i += 1 }
        }
        let integerDigits = i - digitsStart
        if i < count, base[i] == UInt8(ascii: ".") {
            isInteger = false
            i += 1
            guard i < count, isDigit(base[i]) else { throw DirectJSONFallback(reason: "bad number") }
            while i < count, isDigit(base[i]) { i += 1 }
        }
        if i < count, base[i] | 0x20 == UInt8(ascii: "e") {
            isInteger = false
            hasExponent = true
            i += 1
            if i < count, base[i] == UInt8(ascii: "+") || base[i] == UInt8(ascii: "-") { i += 1 }
            guard i < count, isDigit(base[i]) else { throw DirectJSONFallback(reason: "bad number") }
            while i < count, isDigit(base[i]) { i += 1 }
        }
        if isInteger {
            // Up to 18 digits always fits Int64; `-0` and longer integers are left to the general path.
            guard integerDigits <= 18 else { throw DirectJSONFallback(reason: "integer beyond 18 digits") }
            if integerDigits == 1 && base[digitsStart] == UInt8(ascii: "0") && digitsStart > start {
                throw DirectJSONFallback(reason: "negative zero")
            }
        }
        return (start, isInteger, hasExponent, integerDigits)
    }

    @inline(__always)
    private func isDigit(_ b: UInt8) -> Bool { b &- UInt8(ascii: "0") < 10 }

    /// Reads `true`, `false` or `null` (the cursor on its first byte): "true", "false", or nil for null.
    package mutating func readLiteral() throws(DirectJSONFallback) -> String? {
        if matches("true") { return "true" }
        if matches("false") { return "false" }
        if matches("null") { return nil }
        throw DirectJSONFallback(reason: "unexpected byte")
    }

    private mutating func matches(_ word: StaticString) -> Bool {
        let n = word.utf8CodeUnitCount
        guard i + n <= count else { return false }
        let p = word.utf8Start
        for k in 0..<n where base[i + k] != p[k] { return false }
        i += n
        return true
    }

    /// Skips one value of any kind, checking it; `depth` bounds nesting.
    package mutating func skipValue(depth: Int) throws(DirectJSONFallback) {
        guard depth < JSONByteCursor.maxDepth else { throw DirectJSONFallback(reason: "nested too deeply") }
        guard let b = peek() else { throw DirectJSONFallback(reason: "document ends before a value") }
        switch b {
        case JSONByteCursor.quote:
            try skipString()
        case UInt8(ascii: "{"):
            i += 1
            if consume(UInt8(ascii: "}")) { return }
            repeat {
                guard peek() == JSONByteCursor.quote else { throw DirectJSONFallback(reason: "expected a key") }
                try skipString()
                try expect(UInt8(ascii: ":"))
                try skipValue(depth: depth + 1)
            } while try next(closing: UInt8(ascii: "}"))
        case UInt8(ascii: "["):
            i += 1
            if consume(UInt8(ascii: "]")) { return }
            repeat { try skipValue(depth: depth + 1) } while try next(closing: UInt8(ascii: "]"))
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            try skipNumber()
        default:
            _ = try readLiteral()
        }
    }

    /// Nesting deeper than this is left to the general path.
    package static let maxDepth = 256
}
