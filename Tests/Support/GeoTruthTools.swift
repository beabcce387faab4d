import Foundation
import Postgres

/// The truth of coordinate transforms for tests: pyproj (PyPI, in scripts/bootstrap's virtualenv) through
/// `scripts/pyproj-to-crs84`.
public enum GeoTruthTools {
    /// `ID SRID X Y` lines (X, Y in the CRS's GeoJSON order: easting, northing) → ID: (longitude, latitude) in CRS84.
    public static func pyproj(_ input: String, root: URL) throws -> [String: (Double, Double)] {
        let process = Process()
        process.executableURL = root.appendingPathComponent("scripts/pyproj-to-crs84")
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        // Written from another thread: the script answers as it reads, and both pipes have a bounded buffer.
        let writer = Thread {
            stdin.fileHandleForWriting.write(Data(input.utf8))
            try? stdin.fileHandleForWriting.close()
        }
        writer.start()
        let output = String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw PostgresError(.server, message: "scripts/pyproj-to-crs84 exited \(process.terminationStatus)")
        }
        var result: [String: (Double, Double)] = [:]
        for line in output.split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard parts.count == 3, let lon = Double(parts[1]), let lat = Double(parts[2]) else { continue }
            result[String(parts[0])] = (lon, lat)
        }
        return result
    }
}
