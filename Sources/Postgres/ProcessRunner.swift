import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a program to completion and collects its output (used for `initdb` and `pg_ctl`).
///
/// Built on `posix_spawn` and `waitpid` rather than Foundation's `Process`: `pg_ctl start` leaves a server
/// running that inherits descriptors, and `Process.waitUntilExit` can then wait for the server too.
enum ProcessRunner {
    struct Outcome {
        var status: Int32
        var output: String
    }

    /// Runs `program` with `arguments`, as the user `runAs` when given (through `runuser`, which needs root).
    static func run(_ program: URL, _ arguments: [String], runAs user: String? = nil) throws(PostgresError)
        -> Outcome
    {
        let argv: [String] =
            user.map { ["/usr/sbin/runuser", "-u", $0, "--", program.path] + arguments } ?? ([program.path] + arguments)
        let capture = FileManager.default.temporaryDirectory
            .appendingPathComponent("citypipe-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).out")
        let fd = open(capture.path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw PostgresError(.cluster, message: "cannot write a temporary file in \(capture.deletingLastPathComponent().path)")
        }
        defer { unlink(capture.path) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, fd, 1)
        posix_spawn_file_actions_adddup2(&actions, fd, 2)
        // Nothing else of ours reaches the child: a server started by pg_ctl would otherwise hold our files
        // (and the locks on them) open for as long as it runs.
        for inherited in openDescriptors() where inherited > 2 && inherited != fd {
            posix_spawn_file_actions_addclose(&actions, inherited)
        }
        var pid: pid_t = 0
        let cArguments = argv.map { strdup($0) } + [nil]
        defer { for argument in cArguments { free(argument) } }
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, cArguments, environ)
        close(fd)
        guard spawned == 0 else {
            throw PostgresError(.cluster, message: "cannot start \(argv[0]): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            guard errno == EINTR else {
                throw PostgresError(.cluster, message: "cannot wait for \(argv[0]): errno \(errno)")
            }
        }
        let exitStatus: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let output = (try? String(contentsOf: capture, encoding: .utf8)) ?? ""
        return Outcome(status: exitStatus, output: output)
    }

    /// This process's open file descriptors (Linux: /proc/self/fd). glibc ignores a close action for a
    /// descriptor that is closed by the time the child runs.
    private static func openDescriptors() -> [Int32] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return names.compactMap { Int32($0) }
    }
}
