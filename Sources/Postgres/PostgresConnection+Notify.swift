import CLibPQ
import Foundation

#if canImport(Glibc)
import Glibc
#endif

extension PostgresConnection {
    /// Starts listening on `channel` (`LISTEN`); notifications sent by committed transactions are then read by
    /// `waitForNotification(timeout:)`.
    public func listen(_ channel: String) throws(PostgresError) {
        try query("LISTEN \"" + channel.replacingOccurrences(of: "\"", with: "\"\"") + "\"", name: "listen")
    }

    /// Blocks until a notification arrives on a channel this connection listens to, and returns its channel and
    /// payload; nil when `timeout` passed first. Waits on the connection's socket: no polling.
    public func waitForNotification(timeout: Duration) throws(PostgresError) -> (channel: String, payload: String)? {
        let deadline = ContinuousClock.now + timeout
        while true {
            guard PQconsumeInput(handle) == 1 else {
                throw PostgresError(.connection, message: PostgresConnection.errorMessage(handle), statement: "wait for notification")
            }
            if let notice = PQnotifies(handle) {
                defer { PQfreemem(notice) }
                return (String(cString: notice.pointee.relname), String(cString: notice.pointee.extra))
            }
            let left = deadline - ContinuousClock.now
            guard left > .zero else { return nil }
            var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
            let milliseconds = Int32(clamping: left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1)
            if poll(&descriptor, 1, milliseconds) < 0 && errno != EINTR {
                throw PostgresError(.connection, message: "poll failed: errno \(errno)", statement: "wait for notification")
            }
        }
    }
}
