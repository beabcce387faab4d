import Foundation

/// The peak resident set of this process since the last `resetPeakRSS()`, in bytes (Linux: VmHWM).
public func peakRSS() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kb = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
        return kb * 1024
    }
    return 0
}

/// Resets the kernel's peak-RSS mark to the current RSS (writing 5 to /proc/self/clear_refs, Linux ≥ 4.0), so a
/// test measures its own peak and not that of the tests before it in this process.
public func resetPeakRSS() {
    try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
}
