import Foundation
import Postgres
import Warehouse

extension OpsService {
    /// The feeds of `Connectors/` (their manifests' names), listed even before a first load.
    var connectorFeeds: [String] {
        let folder = URL(fileURLWithPath: configuration.connectors, isDirectory: true)
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return files.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
            .map { String($0.prefix { $0 != "." }) }.sorted()
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
