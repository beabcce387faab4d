/// Receives the tokens of `XMLTokenizer`.
package protocol XMLTokenHandler: AnyObject {
    /// An element starts (`name` with its prefix removed); attributes in document order, values entity-decoded.
    func startElement(_ name: String, attributes: [(name: String, value: String)]) throws(XMLDecodeError)
    /// An element ends.
    func endElement(_ name: String) throws(XMLDecodeError)
    /// A piece of character data (entity-decoded UTF-8); one text node may arrive in several pieces.
    func characters(_ bytes: UnsafeBufferPointer<UInt8>) throws(XMLDecodeError)
}

/// A small push tokenizer for UTF-8 XML: elements, attributes, text, CDATA, the five predefined entities and
/// character references, comments, processing instructions and a DOCTYPE (skipped). It checks well-formedness
/// (matching end tags, one root, no text outside it) and holds at most one unfinished token: text and CDATA are
/// passed on in pieces, so memory does not depend on the document's size.
///
/// Why not Foundation's `XMLParser` (FoundationXML on Linux): it wraps libxml2's push parser, but that entry point
/// (`parseData`) is internal; the public `parse()` either walks a whole `Data` or, with `init(stream:)`, loops on
/// `InputStream.read` until the stream ends, blocking the caller, so it cannot be handed chunks as they arrive
/// from an HTTP body without a bound stream pair and a thread. It also runs libxml2 in recover mode
/// (`_kCFXMLInterfaceRecover`), so some malformed input is silently accepted, and hands every text run over as a
/// `String` through an `NSObject` delegate.
package struct XMLTokenizer {
    private enum Mode { case text, markup, comment, cdata }

    private var buffer: [UInt8] = []
    private var position = 0
    /// Absolute stream offset of `buffer[0]`.
    private var base = 0
    private var mode = Mode.text
    private var openElements: [String] = []
    private var rootSeen = false
    private var rootClosed = false
    private var started = false
    private var scratch: [UInt8] = []
    package let maxTokenBytes: Int
    /// Elements open at once beyond which the document is refused (records are a few levels deep; a document
    /// nested 100,000 deep is an attack on the parser, or garbage).
    package static let maxDepth = 512

    package init(maxTokenBytes: Int = 1 << 20) {
        self.maxTokenBytes = maxTokenBytes
    }

    /// Bytes held by the tokenizer's growable buffers.
    package var bufferCapacity: Int { buffer.capacity + scratch.capacity }

    /// The current absolute byte offset.
    package var offset: Int { base + position }

    package mutating func feed(_ chunk: UnsafeRawBufferPointer, _ handler: some XMLTokenHandler) throws(XMLDecodeError) {
        if position > 0 {
            buffer.removeSubrange(0..<position)
            base += position
            position = 0
        }
        buffer.append(contentsOf: chunk)
        if !started {
            guard buffer.count >= 3 else { return }
            started = true
            if buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF { position = 3 }
        }
        try parse(handler)
    }

    package mutating func finish(_ handler: some XMLTokenHandler) throws(XMLDecodeError) {
        if !started {
            started = true
            if buffer.count >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF { position = 3 }
            try parse(handler)
        }
        // A trailing partial entity in text is an error; anything else left over is an unfinished token.
        if mode == .text && position < buffer.count {
            try emitText(position, buffer.count, handler, final: true)
            position = buffer.count
        }
        if mode != .text || position < buffer.count {
            throw error(.unexpectedEnd, "the document ends inside a tag, comment or CDATA section")
        }
        if let open = openElements.last {
            throw error(.unexpectedEnd, "the document ends before </\(open)>")
        }
        if !rootSeen { throw error(.noRootElement, "no root element") }
    }

    // MARK: - Scanning

    private mutating func parse(_ handler: some XMLTokenHandler) throws(XMLDecodeError) {
        while position < buffer.count {
            switch mode {
            case .text:
                let lt = find(UInt8(ascii: "<"), from: position)
                var end = lt ?? buffer.count
                if lt == nil, let amp = pendingEntityStart(before: end) { end = amp }
                if end > position { try emitText(position, end, handler, final: false) }
                position = end
                guard lt != nil else { return }
                mode = .markup
            case .markup:
                guard try markup(handler) else {
                    if buffer.count - position > maxTokenBytes {
                        throw error(.tokenTooLarge, "a tag longer than \(maxTokenBytes) bytes")
                    }
                    return
                }
            case .comment:
                guard let end = find(sequence: [0x2D, 0x2D, 0x3E], from: position) else {  // -->
                    position = max(position, buffer.count - 2)
                    return
                }
                position = end + 3
                mode = .text
            case .cdata:
                let close = find(sequence: [0x5D, 0x5D, 0x3E], from: position)  // ]]>
                let end = close ?? max(position, buffer.count - 2)
                if end > position {
                    guard !openElements.isEmpty else { throw error(.textOutsideRoot, "CDATA outside the root element") }
                    try buffer.withUnsafeBufferPointer { (b) throws(XMLDecodeError) in
                        try handler.characters(UnsafeBufferPointer(rebasing: b[position..<end]))
                    }
                }
                position = end
                guard close != nil else { return }
                position += 3
                mode = .text
            }
        }
    }

    /// Handles the markup at `position` (a `<`); false when more bytes are needed.
    private mutating func markup(_ handler: some XMLTokenHandler) throws(XMLDecodeError) -> Bool {
        let start = position
        guard start + 1 < buffer.count else { return false }
        switch buffer[start + 1] {
        case UInt8(ascii: "/"):
            guard let gt = find(UInt8(ascii: ">"), from: start + 2) else { return false }
            let name = trimmedName(start + 2, gt)
            guard let open = openElements.popLast() else {
                throw error(.mismatchedEndTag, "</\(name)> without an open element")
            }
            guard open == name else { throw error(.mismatchedEndTag, "</\(name)> closes <\(open)>") }
            position = gt + 1
            mode = .text
            if openElements.isEmpty { rootClosed = true }
            try handler.endElement(localName(name))
        case UInt8(ascii: "?"):
            guard let end = find(sequence: [0x3F, 0x3E], from: start + 2) else { return false }
            position = end + 2
            mode = .text
        case UInt8(ascii: "!"):
            if hasPrefix("<!--", at: start) {
                position = start + 4
                mode = .comment
            } else if hasPrefix("<![CDATA[", at: start) {
                position = start + 9
                mode = .cdata
            } else if buffer.count - start < 9 && isPrefix(of: ["<!--", "<![CDATA["], at: start) {
                return false
            } else {
                guard let end = declarationEnd(from: start + 2) else { return false }
                position = end + 1
                mode = .text
            }
        default:
            guard let gt = tagEnd(from: start + 1) else { return false }
            let selfClosing = buffer[gt - 1] == UInt8(ascii: "/")
            let (name, attributes) = try startTag(start + 1, selfClosing ? gt - 1 : gt)
            if openElements.isEmpty {
                if rootClosed {
                    throw error(.multipleRoots, "a second root element <\(name)>")
                }
                rootSeen = true
            }
            position = gt + 1
            mode = .text
            let local = localName(name)
            try handler.startElement(local, attributes: attributes)
            if selfClosing {
                if openElements.isEmpty { rootClosed = true }
                try handler.endElement(local)
            } else {
                guard openElements.count < Self.maxDepth else {
                    throw error(.tooDeep, "elements nested deeper than \(Self.maxDepth) levels", at: start)
                }
                openElements.append(name)
            }
        }
        return true
    }

    // MARK: - Tags

    private func startTag(_ from: Int, _ to: Int) throws(XMLDecodeError) -> (String, [(name: String, value: String)]) {
        var i = from
        while i < to && !isSpace(buffer[i]) { i += 1 }
        guard i > from else { throw error(.malformedTag, "a tag without a name") }
        let name = string(from, i)
        var attributes: [(name: String, value: String)] = []
        while true {
            while i < to && isSpace(buffer[i]) { i += 1 }
            if i >= to { break }
            let nameStart = i
            while i < to && buffer[i] != UInt8(ascii: "=") && !isSpace(buffer[i]) { i += 1 }
            let attrName = string(nameStart, i)
            while i < to && isSpace(buffer[i]) { i += 1 }
            guard i < to, buffer[i] == UInt8(ascii: "="), !attrName.isEmpty else {
                throw error(.malformedAttribute, "attribute \(attrName) of <\(name)> has no value")
            }
            i += 1
            while i < to && isSpace(buffer[i]) { i += 1 }
            guard i < to, buffer[i] == UInt8(ascii: "\"") || buffer[i] == UInt8(ascii: "'") else {
                throw error(.malformedAttribute, "attribute \(attrName) of <\(name)> is not quoted")
            }
            let quote = buffer[i]
            let valueStart = i + 1
            guard let valueEnd = find(quote, from: valueStart), valueEnd < to else {
                throw error(.malformedAttribute, "attribute \(attrName) of <\(name)> is not closed")
            }
            i = valueEnd + 1
            if attrName == "xmlns" || attrName.hasPrefix("xmlns:") { continue }
            let value = try decodeEntities(valueStart, valueEnd)
            attributes.append((name: localName(attrName), value: String(decoding: value, as: UTF8.self)))
        }
        return (name, attributes)
    }

    /// The `>` ending a start tag, skipping quoted attribute values.
    private func tagEnd(from: Int) -> Int? {
        var quote: UInt8 = 0
        var i = from
        while i < buffer.count {
            let c = buffer[i]
            if quote != 0 {
                if c == quote { quote = 0 }
            } else if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
                quote = c
            } else if c == UInt8(ascii: ">") {
                return i
            }
            i += 1
        }
        return nil
    }

    /// The `>` ending `<!DOCTYPE …>`, skipping an internal subset in brackets.
    private func declarationEnd(from: Int) -> Int? {
        var depth = 0
        var i = from
        while i < buffer.count {
            switch buffer[i] {
            case UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "]"): depth -= 1
            case UInt8(ascii: ">") where depth <= 0: return i
            default: break
            }
            i += 1
        }
        return nil
    }

    // MARK: - Text and entities

    private mutating func emitText(
        _ from: Int, _ to: Int, _ handler: some XMLTokenHandler, final: Bool
    ) throws(XMLDecodeError) {
        if openElements.isEmpty {
            for i in from..<to where !isSpace(buffer[i]) {
                position = i
                throw error(.textOutsideRoot, "text outside the root element")
            }
            return
        }
        if find(UInt8(ascii: "&"), from: from, to: to) == nil {
            try buffer.withUnsafeBufferPointer { (b) throws(XMLDecodeError) in
                try handler.characters(UnsafeBufferPointer(rebasing: b[from..<to]))
            }
            return
        }
        let decoded = try decodeEntities(from, to)
        try decoded.withUnsafeBufferPointer { (b) throws(XMLDecodeError) in try handler.characters(b) }
    }

    private func decodeEntities(_ from: Int, _ to: Int) throws(XMLDecodeError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(to - from)
        var i = from
        while i < to {
            let c = buffer[i]
            guard c == UInt8(ascii: "&") else {
                out.append(c)
                i += 1
                continue
            }
            guard let semi = find(UInt8(ascii: ";"), from: i + 1, to: min(to, i + 12)) else {
                throw error(.unknownEntity, "an '&' that does not start an entity", at: i)
            }
            let name = Array(buffer[(i + 1)..<semi])
            switch name {
            case Array("amp".utf8): out.append(UInt8(ascii: "&"))
            case Array("lt".utf8): out.append(UInt8(ascii: "<"))
            case Array("gt".utf8): out.append(UInt8(ascii: ">"))
            case Array("quot".utf8): out.append(UInt8(ascii: "\""))
            case Array("apos".utf8): out.append(UInt8(ascii: "'"))
            default:
                guard name.first == UInt8(ascii: "#"), let scalar = characterReference(name.dropFirst()) else {
                    throw error(
                        .unknownEntity,
                        "unknown entity &\(String(decoding: name, as: UTF8.self)); (only XML's five and character references are read; entities a DOCTYPE declares are never expanded nor fetched)",
                        at: i)
                }
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
            }
            i = semi + 1
        }
        return out
    }

    private func characterReference(_ digits: ArraySlice<UInt8>) -> Unicode.Scalar? {
        var value: UInt32 = 0
        var hex = false
        var rest = digits
        if let first = rest.first, first == UInt8(ascii: "x") {
            hex = true
            rest = rest.dropFirst()
        }
        guard !rest.isEmpty else { return nil }
        for d in rest {
            let v: UInt32
            switch d {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = UInt32(d - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f") where hex: v = UInt32(d - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F") where hex: v = UInt32(d - UInt8(ascii: "A") + 10)
            default: return nil
            }
            value = value * (hex ? 16 : 10) + v
            if value > 0x10FFFF { return nil }
        }
        return Unicode.Scalar(value)
    }

    /// Where an entity that may continue in the next chunk starts (an `&` with no `;` after it, near the end).
    private func pendingEntityStart(before end: Int) -> Int? {
        var i = end - 1
        while i >= position && i >= end - 12 {
            if buffer[i] == UInt8(ascii: ";") { return nil }
            if buffer[i] == UInt8(ascii: "&") { return i }
            i -= 1
        }
        return nil
    }

    // MARK: - Helpers

    private func find(_ byte: UInt8, from: Int, to: Int? = nil) -> Int? {
        let end = to ?? buffer.count
        var i = from
        while i < end {
            if buffer[i] == byte { return i }
            i += 1
        }
        return nil
    }

    private func find(sequence: [UInt8], from: Int) -> Int? {
        guard let first = sequence.first else { return nil }
        var i = from
        while i + sequence.count <= buffer.count {
            if buffer[i] == first {
                var k = 1
                while k < sequence.count && buffer[i + k] == sequence[k] { k += 1 }
                if k == sequence.count { return i }
            }
            i += 1
        }
        return nil
    }

    private func hasPrefix(_ s: String, at i: Int) -> Bool {
        let p = Array(s.utf8)
        guard i + p.count <= buffer.count else { return false }
        return buffer[i..<(i + p.count)].elementsEqual(p)
    }

    /// Whether the bytes from `i` to the end are a prefix of one of `candidates` (more bytes could complete it).
    private func isPrefix(of candidates: [String], at i: Int) -> Bool {
        let have = buffer[i...]
        return candidates.contains { Array($0.utf8).starts(with: have) }
    }

    private func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 }

    private func string(_ from: Int, _ to: Int) -> String {
        buffer.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[from..<to]), as: UTF8.self) }
    }

    private func trimmedName(_ from: Int, _ to: Int) -> String {
        var a = from, b = to
        while a < b && isSpace(buffer[a]) { a += 1 }
        while b > a && isSpace(buffer[b - 1]) { b -= 1 }
        return string(a, b)
    }

    private func localName(_ name: String) -> String {
        guard let colon = name.lastIndex(of: ":") else { return name }
        return String(name[name.index(after: colon)...])
    }

    private func error(_ reason: XMLDecodeError.Reason, _ message: String, at: Int? = nil) -> XMLDecodeError {
        XMLDecodeError(offset: base + (at ?? position), record: nil, reason: reason, message: message)
    }
}
