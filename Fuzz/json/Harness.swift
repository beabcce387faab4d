import FuzzHarnesses

// libFuzzer's entry point (scripts/fuzz builds this with `--sanitize=fuzzer -DFUZZING`); without FUZZING,
// `fuzz-json FILE…` replays files through the harness.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    fuzzOne(data, size, "json", JSONHarness.run)
}

#if !FUZZING
@main
enum Replay {
    static func main() throws {
        try replayFiles(CommandLine.arguments.dropFirst(), through: JSONHarness.run)
    }
}
#endif
