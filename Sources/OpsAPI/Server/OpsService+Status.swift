import Foundation
import Manifest
import Postgres
import Warehouse

extension OpsService {
    /// The feeds of `Connectors/` (their manifests' names), listed even before a first load.
    var connectorFeeds: [String] {
        // As `citypipe status` lists them (a folder that cannot be read lists none: the control tables still name
        // every feed that ever loaded).
        ((try? ManifestLoader.manifestFiles(in: URL(fileURLWithPath: configuration.connectors, isDirectory: true))) ?? [])
            .map { $0.deletingPathExtension().lastPathComponent }
    }

    /// `citypipe status --json`'s report, as the API's role reads it.
    func statusReport(runs: Int) async throws -> StatusReport {
        let feeds = connectorFeeds
        return try await reader.withConnection { connection in
            try StatusReport.gather(connection, feeds: feeds, runs: runs)
        }
    }

    /// Seconds since each feed's last successful load (nil: never loaded).
    func feedLags() async throws -> [String: Double?] {
        try await reader.withConnection { connection in
            var lags: [String: Double?] = [:]
            for row in try connection.query(
                "SELECT feed, extract(epoch FROM (now() - last_success_at))::float8 AS lag FROM citypipe.feed_state",
                name: "feed lags")
            {
                lags[try row.decode(String.self, "feed")] = try row.decode(Double?.self, "lag")
            }
            return lags
        }
    }
}
