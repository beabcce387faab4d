import FuzzHarnesses
#if canImport(Glibc)
import Glibc
#endif

// libFuzzer's entry point (scripts/fuzz builds this with `--sanitize=fuzzer -DFUZZING`); a property the harness
// finds broken aborts, so that libFuzzer saves the input. Without FUZZING, `fuzz-json FILE…` replays files.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    do {
        try JSONHarness.run(UnsafeRawBufferPointer(start: data, count: size))
    } catch {
        print("fuzz-json: \(error)")
        abort()
    }
    return 0
}

#if !FUZZING
@main
enum Replay {
    static func main() throws {
        try replayFiles(CommandLine.arguments.dropFirst(), through: JSONHarness.run)
    }
}
#endif
