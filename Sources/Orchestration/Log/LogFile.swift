import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A log file opened for appending (logrotate's `copytruncate` and a plain rename both work: each line is one
/// `write` at the end of the file).
final class LogFile: Sendable {
    private let descriptor: Int32

    init(path: String) throws(OrchestrationError) {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else {
            throw .failed("cannot open the log file \(path): \(String(cString: strerror(errno)))")
        }
        descriptor = fd
    }

    deinit { close(descriptor) }

    func append(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        // A failed log write must not stop a nightly run; stderr says so once per line lost.
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        if written != bytes.count { StandardStreams.error("warning: could not write to the log file") }
    }
}
