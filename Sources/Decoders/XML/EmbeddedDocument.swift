/// One base64-embedded XML document being decoded as its text streams in (the `NOIDUNGFILE` of a `FILEHOSO`).
///
/// All or nothing: its records are held until the document ends, so a broken file (bad base64, malformed XML, over
/// `maxBytes` decoded) yields one `RecordError` for the outer record and none of its records, never half a claim.
/// Memory is bounded by `maxBytes` of decoded document.
package final class EmbeddedDocument {
    private var base64 = Base64StreamDecoder()
    private let decoder: XMLRecordDecoder
    private let outerRecord: Int
    private let type: String
    private let field: String
    private var decoded: [UInt8] = []
    private var failed = false
    /// Records and rejects produced so far, with `origin` set.
    package var events: [DecodeEvent] = []

    private let maxBytes: Int
    private var totalBytes = 0

    package init(options: XMLRecordOptions, outerRecord: Int, type: String, field: String) {
        maxBytes = options.maxRecordBytes
        decoder = XMLRecordDecoder(options: options)
        self.outerRecord = outerRecord
        self.type = type
        self.field = field
    }

    package var bufferCapacity: Int { decoded.capacity + decoder.bufferCapacity }

    /// Records held until the document ends.
    package var heldRecords: Int { events.count }

    package func feedBase64(_ text: UnsafeBufferPointer<UInt8>) {
        guard !failed else { return }
        decoded.removeAll(keepingCapacity: true)
        do {
            try base64.decode(text, into: &decoded)
        } catch {
            fail(.invalidBase64, "the embedded \(type) document is not valid base64")
            return
        }
        totalBytes += decoded.count
        guard totalBytes <= maxBytes else {
            fail(.recordTooLarge, "the embedded \(type) document is longer than \(maxBytes) bytes")
            return
        }
        do {
            try decoder.feed(decoded) { collect($0) }
        } catch {
            failXML(error)
        }
    }

    package func finish() {
        guard !failed else { return }
        decoded.removeAll(keepingCapacity: true)
        do {
            try base64.finish(into: &decoded)
        } catch {
            fail(.invalidBase64, "the embedded \(type) document's base64 is truncated")
            return
        }
        do {
            if !decoded.isEmpty { try decoder.feed(decoded) { collect($0) } }
            try decoder.finish { collect($0) }
        } catch {
            failXML(error)
        }
    }

    private func collect(_ event: DecodeEvent) {
        switch event {
        case .record(let r):
            events.append(
                .record(
                    DecodedRecord(
                        number: r.number, line: nil, schema: r.schema, values: r.values,
                        origin: EmbeddedOrigin(outerRecord: outerRecord, fileType: type))))
        case .rejected(let e):
            events.append(
                .rejected(
                    RecordError(
                        record: outerRecord, line: nil, field: field + "/" + (e.field ?? ""), reason: e.reason,
                        message: "in the embedded \(type) document, record \(e.record): \(e.message)", raw: e.raw)))
        }
    }

    private func failXML(_ error: any Error) {
        let detail = (error as? XMLDecodeError).map { "\($0.reason.rawValue) at byte \($0.offset)" } ?? "unreadable"
        fail(.invalidEmbeddedXML, "the embedded \(type) document is not well-formed XML (\(detail))")
    }

    private func fail(_ reason: RecordError.Reason, _ message: String) {
        failed = true
        events.removeAll()  // all or nothing
        events.append(
            .rejected(RecordError(record: outerRecord, line: nil, field: field, reason: reason, message: message)))
    }
}
