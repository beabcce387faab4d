import FuzzHarnesses
#if canImport(Glibc)
import Glibc
#endif

// libFuzzer's entry point (scripts/fuzz builds this with `--sanitize=fuzzer -DFUZZING`); a property the harness
// finds broken aborts, so that libFuzzer saves the input. Without FUZZING, `fuzz-xml FILE…` replays files.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    do {
        try XMLHarness.run(UnsafeRawBufferPointer(start: data, count: size))
    } catch {
        print("fuzz-xml: \(error)")
        abort()
    }
    return 0
}

#if !FUZZING
@main
enum Replay {
    static func main() throws {
        try replayFiles(CommandLine.arguments.dropFirst(), through: XMLHarness.run)
    }
}
#endif
