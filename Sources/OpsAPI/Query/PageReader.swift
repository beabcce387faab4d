import Foundation
import Postgres

/// Reads one page of a `PageStatement` for the views and the OGC items alike: in one read-only snapshot when it
/// takes more than one statement, the cursor's signature checked first (a cursor given for another view, role
/// or order is a 400), then the rows and, when asked, a count; and, for an officer reading personal rows, the
/// audit row written before anything is returned (fail closed).
struct PageReader: Sendable {
    /// What a read gives.
    struct Page: Sendable {
        /// The rows to serve (the statement fetches one more, to know whether another page follows).
        let rows: ArraySlice<[String?]>
        let count: Int64?
        /// The cursor of the next page, when there is one.
        let nextCursor: String?
    }

    let service: OpsService

    /// `count`, when given, runs in the same snapshot as the page.
    func read(
        _ statement: PageStatement, cursor: String?, doing action: String,
        count: (@Sendable (PostgresConnection) throws -> Int64?)? = nil
    ) async throws -> Page {
        let keys = service.configuration.keys
        let result: (rows: PostgresRows, count: Int64?)
        do {
            result = try await service.reader.withConnection { connection in
                let snapshot = cursor != nil || count != nil
                if snapshot { try connection.simpleExecute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", name: "begin page") }
                do {
                    if let cursor {
                        let signature = try connection.query(
                            "SELECT (\(PageStatement.decryptCursor("$1", key: "$2")))->>0 AS sig",
                            [TextParameter(value: cursor), TextParameter(value: keys.cursor)], name: "read cursor"
                        ).first?.decode(String?.self, "sig")
                        guard signature == statement.signature else {
                            throw APIError.badRequest("bad_cursor", "cursor: it was given for another view, role or order; start again without it")
                        }
                    }
                    let rows = try connection.query(statement.sql, statement.parameters, name: "page")
                    let counted = try count?(connection)
                    if snapshot { try connection.simpleExecute("COMMIT", name: "end page") }
                    return (rows, counted)
                } catch {
                    if snapshot { try? connection.simpleExecute("ROLLBACK", name: "abort page") }
                    throw error
                }
            }
        } catch {
            throw APIError.from(error, doing: cursor != nil ? "reading the cursor or the page" : action)
        }
        let limit = statement.limit ?? Int.max
        let visible = min(result.rows.count, limit)
        let width = statement.columns.count
        let next = result.rows.count > limit && visible > 0 ? result.rows.values[visible - 1][width] : nil
        return Page(rows: result.rows.values.prefix(visible), count: result.count, nextCursor: next)
    }

    /// Writes the audit row of an officer's page of personal rows (nothing when the page is empty).
    func audit(_ page: Page, of statement: PageStatement, entry: AuditWriter.Entry) async throws {
        guard !page.rows.isEmpty else { return }
        let width = statement.columns.count
        let subjects = statement.hasSubject ? page.rows.compactMap { $0[width + 1] } : []
        do {
            _ = try await AuditWriter(pool: service.auditor).append(entry, subjects: subjects)
        } catch {
            throw APIError.from(error, doing: "writing the audit log (nothing was served)")
        }
        service.metrics.audited(count: page.rows.count)
    }
}
