import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What each harness executable's `LLVMFuzzerTestOneInput` does: runs `harness` on libFuzzer's bytes and, when
/// a property breaks, prints it and aborts, so that libFuzzer saves the input as a finding.
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int, _ name: String, _ harness: (UnsafeRawBufferPointer) throws -> Void) -> CInt {
    do {
        try harness(UnsafeRawBufferPointer(start: data, count: size))
    } catch {
        print("fuzz-\(name): \(error)")
        abort()
    }
    return 0
}

/// Runs each file (or every file of each folder) through `harness`, printing what broke; exits 1 if anything did.
public func replayFiles(
    _ paths: some Sequence<String>, through harness: (UnsafeRawBufferPointer) throws -> Void
) throws {
    var failures = 0
    var count = 0
    for path in paths {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            failures += 1
            print("\(path): no such file or folder")
            continue
        }
        let files =
            isFolder.boolValue
            ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().map { path + "/" + $0 } : [path]
        for file in files {
            let data = try Data(contentsOf: URL(fileURLWithPath: file))
            count += 1
            do {
                try data.withUnsafeBytes { raw in try harness(raw) }
            } catch {
                failures += 1
                print("\(file): \(error)")
            }
        }
    }
    print("\(count) inputs replayed, \(failures) failed")
    if failures > 0 { exit(1) }
}
