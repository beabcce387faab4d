import ArgumentParser
import Foundation

/// Writing to the terminal: results to standard output, problems to standard error.
enum Console {
    static func print(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    static func error(_ line: String) {
        FileHandle.standardError.write(Data(("citypipe: " + line + "\n").utf8))
    }

    /// Runs `body`; an error is printed (it never holds parameter values) and becomes exit status 1.
    static func run(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            Console.error("error: \(error)")
            throw ExitCode.failure
        }
    }
}
