import Postgres

/// The rows a snapshot load finds staged when it begins, by key hash: each row's `_hash` and place (`ctid`), so that
/// a record sent again unchanged is recognised by the client and never sent to the server.
///
/// A snapshot source (land parcels, business registrations) sends every record every night, and most are unchanged.
/// Each used to travel to a temporary table (COPY, an index, statistics, a distinct count) for the MERGE to find it
/// unchanged: at scale 1 the land feed's 200,000 unchanged parcels cost about 7 s of server time a night. With the
/// staged rows known, an unchanged record is only counted; the others (changed, new, or a key sent twice) take the
/// MERGE as before, and the staged rows no record named are marked deleted by their place, still excluding any
/// key the temporary tables hold.
///
/// Memory is about 60 bytes a staged row (12 MB for 200,000 parcels), so a table of more than `limit` rows (by its
/// statistics) is not read this way and loads as before. Used from one thread at a time: the encoder's while the
/// load runs, the load's at commit.
final class KnownRows: @unchecked Sendable {
    /// A key hash (`RowHash.key`), hashable.
    private struct Key: Hashable {
        let high: UInt64
        let low: UInt64
    }

    /// What became of a staged row in this load.
    private enum State: UInt8 {
        /// No record of its key yet.
        case unseen
        /// Its key's only record so far was unchanged: not sent.
        case skipped
        /// A record of its key went to the MERGE.
        case sent
    }

    private var index: [Key: Int32] = [:]
    private var hashes: [(UInt64, UInt64)] = []
    /// False for a row staged with an older form of `_hash` (md5): no record matches it, the MERGE compares it.
    private var comparable: [Bool] = []
    private var places: [UInt64] = []
    private var states: [State] = []
    /// Records not sent because they were unchanged (one per key).
    private(set) var skipped = 0

    /// The rows of `schema.table` not marked deleted, when the table has at most `limit` of them by its statistics;
    /// nil otherwise. `keyColumns` are the record key's columns, in the order the encoder hashes them.
    static func fetch(
        _ schema: StagingSchema, keyColumns: [String], _ connection: PostgresConnection, limit: Int = 1_000_000
    ) throws -> KnownRows? {
        let estimate = try connection.query(
            "SELECT reltuples::float8 AS n FROM pg_class WHERE oid = to_regclass($1)", [schema.table], name: "size of \(schema.table)"
        ).first?.decode(Double?.self, "n") ?? nil
        guard let estimate, estimate <= Double(limit) else { return nil }
        let known = KnownRows()
        let width = keyColumns.count
        _ = try connection.copyOut(
            """
            COPY (SELECT ctid, \(keyColumns.map { "\($0)::text" }.joined(separator: ", ")), _hash
                  FROM \(schema.table) WHERE _deleted_at IS NULL) TO STDOUT
            """, name: "known rows of \(schema.feed)"
        ) { line in
            if let row = RawRow(line, width: width) {
                known.add(key: row.key, hash: row.hash, place: row.place)
                return
            }
            // A key with an escaped character (a backslash, tab or newline in it): decoded as text.
            let row = CopyTextDecoder.fields(of: line)
            guard row.count == width + 2, let place = row[0].flatMap({ Self.bytes(of: $0, Self.place) }) else { return }
            known.add(key: RowHash.key(Array(row[1...width])), hash: row[width + 1].flatMap({ Self.bytes(of: $0, Self.lanes) }), place: place)
        }
        return known
    }

    /// One row of the fetch read from its bytes, without making a string of any field: 200,000 land parcels took
    /// 2.8 s of the load's start decoded as text fields (three strings and an array a row), the COPY waiting on the
    /// client. Nil when a field is escaped (a backslash other than a NULL's `\N`) or the row is not the expected
    /// shape; the caller then decodes it as text.
    private struct RawRow {
        let place: UInt64
        let key: (UInt64, UInt64)
        let hash: (UInt64, UInt64)?

        init?(_ line: UnsafeRawBufferPointer, width: Int) {
            let bytes = line.bindMemory(to: UInt8.self)
            var end = bytes.count
            if end > 0, bytes[end - 1] == 0x0A { end -= 1 }
            var fields: [Range<Int>] = []
            fields.reserveCapacity(width + 2)
            var start = 0
            for i in 0..<end where bytes[i] == 0x09 {
                fields.append(start..<i)
                start = i + 1
            }
            fields.append(start..<end)
            guard fields.count == width + 2 else { return nil }
            for i in 0..<end where bytes[i] == 0x5C {
                // `\N` standing alone is NULL; any other backslash is an escape.
                guard let field = fields.first(where: { $0.contains(i) }), field.count == 2, bytes[field.upperBound - 1] == 0x4E
                else { return nil }
            }
            func isNull(_ r: Range<Int>) -> Bool { r.count == 2 && bytes[r.lowerBound] == 0x5C }
            guard let place = KnownRows.place(UnsafeBufferPointer(rebasing: bytes[fields[0]])) else { return nil }
            self.place = place
            var hasher = RowHash.Hasher()
            for field in fields[1...width] {
                if isNull(field) {
                    hasher.combineNull()
                } else {
                    hasher.combine(UnsafeBufferPointer(rebasing: bytes[field]))
                }
            }
            key = hasher.finish()
            let hashField = fields[width + 1]
            hash = isNull(hashField) ? nil : KnownRows.lanes(UnsafeBufferPointer(rebasing: bytes[hashField]))
        }
    }

    private func add(key: (UInt64, UInt64), hash: (UInt64, UInt64)?, place: UInt64) {
        let key = Key(high: key.0, low: key.1)
        guard index[key] == nil else { return }
        index[key] = Int32(hashes.count)
        hashes.append(hash ?? (0, 0))
        comparable.append(hash != nil)
        places.append(place)
        states.append(.unseen)
    }

    /// True when a record of key `key` and row hash `hash` is unchanged and the first of its key: it need not be
    /// sent. A second record of a key is always sent (the last record of a key wins), and the first one's skip is
    /// undone in the count.
    func skip(key: (UInt64, UInt64), hash: (UInt64, UInt64)) -> Bool {
        guard let found = index[Key(high: key.0, low: key.1)] else { return false }
        let at = Int(found)
        switch states[at] {
        case .unseen:
            if comparable[at] && hashes[at] == hash {
                states[at] = .skipped
                skipped += 1
                return true
            }
            states[at] = .sent
            return false
        case .skipped:
            states[at] = .sent
            skipped -= 1
            return false
        case .sent:
            return false
        }
    }

    /// The places (`ctid` text) of the staged rows no record of this load named.
    func unseenPlaces() -> [String] {
        states.indices.compactMap { states[$0] == .unseen ? "(\(places[$0] >> 16),\(places[$0] & 0xFFFF))" : nil }
    }

    /// `(block,offset)` (a `ctid` as text) → one integer.
    static func place(_ text: UnsafeBufferPointer<UInt8>) -> UInt64? {
        guard text.count >= 5, text[0] == UInt8(ascii: "("), text[text.count - 1] == UInt8(ascii: ")") else { return nil }
        var block: UInt64 = 0
        var offset: UInt64 = 0
        var inOffset = false
        for b in text[1..<(text.count - 1)] {
            if b == UInt8(ascii: ","), !inOffset {
                inOffset = true
            } else if b >= 0x30, b <= 0x39 {
                if inOffset { offset = offset &* 10 &+ UInt64(b - 0x30) } else { block = block &* 10 &+ UInt64(b - 0x30) }
            } else {
                return nil
            }
        }
        guard inOffset, offset <= 0xFFFF, block < 1 << 47 else { return nil }
        return block << 16 | offset
    }

    /// `v2:` and 32 hex digits (`RowHash.of`) → its two lanes; nil for another form (an older md5 hash, which never
    /// matches and so takes the MERGE, which recognises it).
    static func lanes(_ text: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64)? {
        guard text.count == 35, text[0] == UInt8(ascii: "v"), text[1] == UInt8(ascii: "2"), text[2] == UInt8(ascii: ":")
        else { return nil }
        var lanes: (UInt64, UInt64) = (0, 0)
        for i in 3..<35 {
            let c = text[i]
            let nibble: UInt64
            switch c {
            case 0x30...0x39: nibble = UInt64(c - 0x30)
            case 0x61...0x66: nibble = UInt64(c - 0x61 + 10)
            case 0x41...0x46: nibble = UInt64(c - 0x41 + 10)
            default: return nil
            }
            if i < 19 { lanes.0 = lanes.0 << 4 | nibble } else { lanes.1 = lanes.1 << 4 | nibble }
        }
        return lanes
    }

    /// `parse` over the UTF-8 of `text`.
    private static func bytes<T>(of text: String, _ parse: (UnsafeBufferPointer<UInt8>) -> T?) -> T? {
        var text = text
        text.makeContiguousUTF8()
        return text.utf8.withContiguousStorageIfAvailable(parse) ?? nil
    }
}
