import Crypto
import Decoders
import Foundation

/// An archive file being written: COPY text rows in, gzip out to `PATH.partial`, SHA-256 over the compressed
/// bytes; `commit` flushes it to disk and gives it its name. Memory is zlib's state and a 64 KiB buffer.
final class ArchiveFileWriter {
    let path: URL
    private let partial: URL
    private let handle: FileHandle
    private let deflater: GzipDeflater
    private var hash = SHA256()
    private var pending: [UInt8] = []
    private(set) var rows = 0
    private(set) var bytes = 0

    init(path: URL) throws {
        self.path = path
        partial = path.appendingPathExtension("partial")
        try FileManager.default.createDirectory(at: path.deletingLastPathComponent(), withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: partial.path, contents: nil) else {
            throw OrchestrationError.failed("cannot create \(partial.path): check that the archive directory is writable")
        }
        handle = try FileHandle(forWritingTo: partial)
        deflater = try GzipDeflater()
        pending.reserveCapacity(1 << 16)
    }

    /// One row of COPY text, with its newline.
    func append(row: UnsafeRawBufferPointer) throws {
        pending.append(contentsOf: row)
        rows += 1
        if pending.count >= 1 << 16 { try flushPending() }
    }

    private func flushPending() throws {
        try pending.withUnsafeBytes { bytes in try deflater.deflate(bytes, write) }
        pending.removeAll(keepingCapacity: true)
    }

    private func write(_ chunk: UnsafeRawBufferPointer) throws {
        hash.update(bufferPointer: chunk)
        bytes += chunk.count
        try handle.write(contentsOf: Data(chunk))
    }

    /// Ends the stream, syncs the file to disk and renames it to `path`; returns its SHA-256 (hex).
    func commit() throws -> String {
        try flushPending()
        try deflater.finish(write)
        try handle.synchronize()
        try handle.close()
        if FileManager.default.fileExists(atPath: path.path) { try FileManager.default.removeItem(at: path) }
        try FileManager.default.moveItem(at: partial, to: path)
        return hash.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// Removes what was written (a failed archive leaves no file behind).
    func discard() {
        try? handle.close()
        try? FileManager.default.removeItem(at: partial)
        try? FileManager.default.removeItem(at: path)
    }
}

/// Reading an archive file back: its SHA-256 checked first, then its rows inflated in chunks.
enum ArchiveFileReader {
    /// The SHA-256 (hex) and size of the file at `path`.
    static func digest(of path: URL) throws -> (sha256: String, bytes: Int) {
        let handle = try FileHandle(forReadingFrom: path)
        defer { try? handle.close() }
        var hash = SHA256()
        var bytes = 0
        while let data = try handle.read(upToCount: 1 << 20), !data.isEmpty {
            hash.update(data: data)
            bytes += data.count
        }
        return (hash.finalize().map { String(format: "%02x", $0) }.joined(), bytes)
    }

    /// Inflates the file, handing the COPY text to `body` in chunks.
    static func inflate(_ path: URL, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let handle = try FileHandle(forReadingFrom: path)
        defer { try? handle.close() }
        let inflater = try GzipInflater()
        while let data = try handle.read(upToCount: 1 << 20), !data.isEmpty {
            try data.withUnsafeBytes { try inflater.inflate($0, body) }
        }
        try inflater.finish()
    }
}
