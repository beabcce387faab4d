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
        _ = try connection.copyOutRows(
            """
            COPY (SELECT ctid, \(keyColumns.map { "\($0)::text" }.joined(separator: ", ")), _hash
                  FROM \(schema.table) WHERE _deleted_at IS NULL) TO STDOUT
            """, name: "known rows of \(schema.feed)"
        ) { row in
            guard row.count == width + 2, let place = row[0].flatMap(Self.place) else { return }
            known.add(key: RowHash.key(Array(row[1...width])), hash: row[width + 1].flatMap(Self.lanes), place: place)
        }
        return known
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

    /// `(block,offset)` → one integer.
    static func place(_ text: String) -> UInt64? {
        let parts = text.dropFirst().dropLast().split(separator: ",")
        guard text.first == "(", text.last == ")", parts.count == 2, let block = UInt64(parts[0]), let offset = UInt64(parts[1]),
              offset <= 0xFFFF
        else { return nil }
        return block << 16 | offset
    }

    /// `v2:` and 32 hex digits (`RowHash.of`) → its two lanes; nil for another form (an older md5 hash, which never
    /// matches and so takes the MERGE, which recognises it).
    static func lanes(_ text: String) -> (UInt64, UInt64)? {
        let utf8 = Array(text.utf8)
        guard utf8.count == 35, utf8[0] == UInt8(ascii: "v"), utf8[1] == UInt8(ascii: "2"), utf8[2] == UInt8(ascii: ":"),
              let high = UInt64(String(decoding: utf8[3..<19], as: UTF8.self), radix: 16),
              let low = UInt64(String(decoding: utf8[19..<35], as: UTF8.self), radix: 16)
        else { return nil }
        return (high, low)
    }
}
