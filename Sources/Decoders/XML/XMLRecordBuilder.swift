import Foundation

/// Turns tokens into records for `XMLRecordDecoder` (see there); also opens embedded documents.
package final class XMLRecordBuilder: XMLTokenHandler {
    private let options: XMLRecordOptions
    /// Events produced while tokenizing the current chunk, handed to the sink after it.
    package var pending: [DecodeEvent] = []
    private var interner = SchemaInterner()

    private var path: [String] = []
    private var inRecord = false
    private var recordNumber = 0
    /// Records emitted (embedded records in embedded mode).
    private(set) var emitted = 0
    private var skippingRecord = false
    private var recordBytes = 0

    /// Relative path of each open element inside the record ("" for the record element).
    private var relative: [String] = []
    private var hasChild: [Bool] = []
    /// Last type-element value among each open element's children (embedded mode).
    private var childType: [String?] = []
    private var text: [UInt8] = []
    private var paths: [String] = []
    private var values: [String?] = []

    private var embedded: EmbeddedDocument?
    private var bufferedEmbedded: (depth: Int, field: String, base64: [UInt8])?

    package init(options: XMLRecordOptions) {
        self.options = options
    }

    package var currentRecord: Int? { inRecord ? recordNumber : nil }

    package var bufferCapacity: Int {
        text.capacity + (embedded?.bufferCapacity ?? 0) + (bufferedEmbedded?.base64.capacity ?? 0)
    }

    // MARK: - Tokens

    package func startElement(_ name: String, attributes: [(name: String, value: String)]) throws(XMLDecodeError) {
        path.append(name)
        if !inRecord {
            guard path == options.recordPath else { return }
            beginRecord()
            for a in attributes { addField("@" + a.name, a.value) }
            return
        }
        let parent = relative.count - 1
        hasChild[parent] = true
        let rel = relative[parent].isEmpty ? name : relative[parent] + "/" + name
        relative.append(rel)
        hasChild.append(false)
        childType.append(nil)
        text.removeAll(keepingCapacity: true)
        if let spec = options.embedded, name == spec.element, !skippingRecord {
            openEmbedded(spec, field: rel, type: childType[parent])
        }
        for a in attributes { addField(rel + "/@" + a.name, a.value) }
    }

    package func endElement(_ name: String) throws(XMLDecodeError) {
        defer { path.removeLast() }
        guard inRecord else { return }
        let depth = relative.count - 1
        let rel = relative.removeLast()
        let hadChild = hasChild.removeLast()
        let type = childType.removeLast()
        if let spec = options.embedded {
            if name == spec.element && depth > 0 {
                closeEmbedded()
                text.removeAll(keepingCapacity: true)
                return
            }
            if let buffered = bufferedEmbedded, buffered.depth == depth + 1 {
                // The end of the element holding an embedded document whose type came after it.
                bufferedEmbedded = nil
                openBuffered(spec, buffered, type: type)
            }
        }
        if depth == 0 {
            endRecord()
            return
        }
        if !hadChild {
            var value: String?
            if !text.isEmpty {
                value = String(validating: text, as: UTF8.self)
                if value == nil {
                    // The raw text keeps the field, its invalid bytes replaced (text columns cannot hold them).
                    if !skippingRecord {
                        paths.append(rel)
                        values.append(String(decoding: text, as: UTF8.self))
                    }
                    rejectRecord(.invalidEncoding, field: rel, "the element's text is not valid UTF-8")
                } else if text.contains(0) {
                    rejectRecord(.nulByte, field: rel, "the element's text holds a NUL byte, which XML and text columns forbid")
                }
            }
            if let spec = options.embedded, name == spec.typeElement {
                childType[depth - 1] = value.map(trimmed)
            }
            addField(rel, value)
        }
        text.removeAll(keepingCapacity: true)
    }

    package func characters(_ bytes: UnsafeBufferPointer<UInt8>) throws(XMLDecodeError) {
        guard inRecord, !skippingRecord else { return }
        if let spec = options.embedded, path.last == spec.element {
            if let doc = embedded {
                doc.feedBase64(bytes)
            } else if var buffered = bufferedEmbedded {
                // The type element has not been seen yet: keep the base64 (bounded) until the parent ends.
                bufferedEmbedded = nil
                buffered.base64.append(contentsOf: bytes)
                if buffered.base64.count > options.maxRecordBytes {
                    rejectRecord(
                        .recordTooLarge, field: buffered.field,
                        "embedded document longer than \(options.maxRecordBytes) bytes")
                } else {
                    bufferedEmbedded = buffered
                }
            }
            return  // otherwise an embedded file of a type that is not wanted
        }
        if hasChild.last == true { return }  // whitespace between child elements
        text.append(contentsOf: bytes)
        recordBytes += bytes.count
        if recordBytes > options.maxRecordBytes {
            rejectRecord(.recordTooLarge, field: relative.last, "record longer than \(options.maxRecordBytes) bytes")
        }
    }

    // MARK: - Records

    private func beginRecord() {
        inRecord = true
        recordNumber += 1
        skippingRecord = false
        recordBytes = 0
        relative = [""]
        hasChild = [false]
        childType = [nil]
        text.removeAll(keepingCapacity: true)
        paths.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
    }

    private func addField(_ path: String, _ value: String?) {
        guard !skippingRecord else { return }
        paths.append(path)
        values.append(value)
        recordBytes += path.utf8.count + (value?.utf8.count ?? 0)
        if recordBytes > options.maxRecordBytes {
            rejectRecord(.recordTooLarge, field: path, "record longer than \(options.maxRecordBytes) bytes")
        }
    }

    private func endRecord() {
        inRecord = false
        closeEmbedded()
        bufferedEmbedded = nil
        defer {
            paths.removeAll(keepingCapacity: true)
            values.removeAll(keepingCapacity: true)
            text.removeAll(keepingCapacity: true)
            if text.capacity > 64 * 1024 { text = [] }
        }
        guard !skippingRecord, options.embedded == nil else { return }
        emitted += 1
        pending.append(
            .record(DecodedRecord(number: recordNumber, line: nil, schema: interner.schema(for: paths), values: values)))
    }

    private func rejectRecord(_ reason: RecordError.Reason, field: String?, _ message: String) {
        guard !skippingRecord else { return }
        skippingRecord = true
        embedded = nil
        bufferedEmbedded = nil
        pending.append(
            .rejected(
                RecordError(
                    record: recordNumber, line: nil, field: field, reason: reason, message: message, raw: rawText())))
    }

    /// The current record's fields read so far, as `path=value` lines (for a reject's raw text).
    private func rawText() -> String {
        RawRecordText.lines(Array(zip(paths, values)))
    }

    // MARK: - Embedded documents

    private func openEmbedded(_ spec: EmbeddedXMLOptions, field: String, type: String?) {
        guard let type else {
            bufferedEmbedded = (depth: relative.count - 1, field: field, base64: [])
            return
        }
        guard spec.types.contains(type) else { return }
        embedded = EmbeddedDocument(
            options: XMLRecordOptions(
                recordPath: spec.recordPath.joined(separator: "/"), maxRecordBytes: options.maxRecordBytes),
            outerRecord: recordNumber, type: type, field: field)
    }

    private func openBuffered(
        _ spec: EmbeddedXMLOptions, _ buffered: (depth: Int, field: String, base64: [UInt8]), type: String?
    ) {
        guard let type else {
            rejectRecord(.missingFileType, field: buffered.field, "no \(spec.typeElement) beside \(spec.element)")
            return
        }
        guard spec.types.contains(type) else { return }
        let doc = EmbeddedDocument(
            options: XMLRecordOptions(
                recordPath: spec.recordPath.joined(separator: "/"), maxRecordBytes: options.maxRecordBytes),
            outerRecord: recordNumber, type: type, field: buffered.field)
        buffered.base64.withUnsafeBufferPointer { doc.feedBase64($0) }
        embedded = doc
        closeEmbedded()
    }

    private func closeEmbedded() {
        guard let doc = embedded else { return }
        embedded = nil
        doc.finish()
        for event in doc.events {
            switch event {
            case .record(let r):
                emitted += 1
                pending.append(
                    .record(
                        DecodedRecord(
                            number: emitted, line: nil, schema: r.schema, values: r.values, origin: r.origin)))
            case .rejected(let e):
                // The outer record's fields read so far (the embedded document's text is not kept).
                pending.append(.rejected(e.with(raw: e.raw ?? rawText())))
            }
        }
        doc.events.removeAll()
    }

    private func trimmed(_ s: String) -> String {
        s.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
