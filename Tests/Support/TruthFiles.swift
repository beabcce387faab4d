import Foundation
import Postgres

/// Loads a CSV file (header row, RFC 4180) into a new table of the given columns, for comparing staged data with
/// what a source is known to hold.
public enum TruthFiles {
    public static func load(_ file: URL, into table: String, columns: String, _ connection: PostgresConnection) throws {
        try connection.simpleExecute("DROP TABLE IF EXISTS \(table); CREATE TABLE \(table) (\(columns))")
        guard let handle = FileHandle(forReadingAtPath: file.path) else {
            throw PostgresError(.copy, message: "cannot read \(file.path)")
        }
        defer { try? handle.close() }
        try connection.copyIn("COPY \(table) FROM STDIN (FORMAT csv, HEADER true)") { writer in
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                try chunk.withUnsafeBytes { try writer.appendRaw($0) }
            }
        }
    }
}
