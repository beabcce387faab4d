import Foundation
import Manifest
import Postgres

/// HTTP conditional requests for the documents of a nightly load (CSV and XML exports, one request each): the ETag a
/// source gave a document is kept in `citypipe.http_validators` with the load's commit, sent back the next night as
/// `If-None-Match`, and a document the source answers `304 Not Modified` for is not read again. An insurance month
/// is read again every night for late corrections (300,000 rows at scale 1); most nights it has none.
///
/// Only nightly loads of incremental feeds ask conditionally: a snapshot must read every record to tell which are
/// gone, and a backfill window replaces what it reads. A validator recorded under another manifest (its fields,
/// records, key or partitioning changed) is not used: the document is read again to fill what the manifest now
/// takes from it.
final class ConditionalRequests: @unchecked Sendable {
    let feed: String
    /// Whether this load asks conditionally.
    let enabled: Bool
    /// md5 input of what the manifest takes from a document.
    let manifestText: String
    private let stored: [String: String]
    private let lock = NSLock()
    /// URL → the ETag of the version read in this load (nil: it came without one).
    private var received: [String: String?] = [:]
    private var unmodified = 0

    private init(feed: String, enabled: Bool, manifestText: String, stored: [String: String]) {
        self.feed = feed
        self.enabled = enabled
        self.manifestText = manifestText
        self.stored = stored
    }

    /// The validators of `manifest`'s feed when `enabled`, read on `c`.
    static func load(_ c: PostgresConnection, manifest: ConnectorManifest, enabled: Bool) throws -> ConditionalRequests {
        let text = try manifestFingerprintText(manifest)
        guard enabled else { return ConditionalRequests(feed: manifest.name, enabled: false, manifestText: text, stored: [:]) }
        var stored: [String: String] = [:]
        for row in try c.query(
            "SELECT url, etag FROM citypipe.http_validators WHERE feed = $1 AND manifest_hash = md5($2)", [manifest.name, text],
            name: "read validators of \(manifest.name)")
        {
            stored[try row.decode(String.self, "url")] = try row.decode(String.self, "etag")
        }
        return ConditionalRequests(feed: manifest.name, enabled: true, manifestText: text, stored: stored)
    }

    /// What a document's content is read for, as text: the manifest's kind, records, key, partitioning and fields
    /// (not its request, auth or schedule, which do not change what a document holds).
    static func manifestFingerprintText(_ manifest: ConnectorManifest) throws -> String {
        struct Reading: Encodable {
            let kind: ConnectorKind
            let records: RecordSelector
            let primaryKey: [String]
            let partitionBy: PeriodPartitioning?
            let fields: [FieldSpec]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(
            Reading(kind: manifest.kind, records: manifest.records, primaryKey: manifest.primaryKey, partitionBy: manifest.partitionBy,
                    fields: manifest.fields))
        return String(decoding: data, as: UTF8.self)
    }

    /// The `If-None-Match` value for `url`, if this load asks conditionally and a version of it was staged.
    func validator(for url: String) -> String? {
        enabled ? stored[url] : nil
    }

    /// `url` answered 200 with `etag` (or without one).
    func received(_ url: String, etag: String?) {
        guard enabled else { return }
        lock.withLock { received[url] = .some(etag) }
    }

    /// A document answered 304: its staged version stands.
    func markNotModified() {
        lock.withLock { unmodified += 1 }
    }

    /// Documents answered 304 in this load.
    var notModifiedCount: Int { lock.withLock { unmodified } }

    /// Records the validators of the documents read, in the load's transaction (`c`): a document without an ETag
    /// forgets the one it had.
    func save(_ c: PostgresConnection) throws {
        guard enabled else { return }
        let read = lock.withLock { received }
        for (url, etag) in read.sorted(by: { $0.key < $1.key }) {
            if let etag {
                try c.query(
                    """
                    INSERT INTO citypipe.http_validators (feed, url, etag, manifest_hash) VALUES ($1, $2, $3, md5($4))
                    ON CONFLICT (feed, url) DO UPDATE SET etag = EXCLUDED.etag, manifest_hash = EXCLUDED.manifest_hash, updated_at = now()
                    """, [feed, url, etag, manifestText], name: "record validator of \(feed)")
            } else {
                try c.query("DELETE FROM citypipe.http_validators WHERE feed = $1 AND url = $2", [feed, url], name: "forget validator of \(feed)")
            }
        }
    }
}
