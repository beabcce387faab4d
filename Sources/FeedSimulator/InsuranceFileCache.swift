import CZlib
import Foundation

/// The insurance exports' gzip files: the last few made (a retried download costs nothing) and the entity tag of
/// every file made so far. A month's file depends only on whether the month has data yet (it is header-only
/// before `InsuranceGenerator.firstDataPeriod` and after the last month with data), so its tag stays right across
/// advances and answers `If-None-Match` without making the file again, as a web server answers from a file's
/// metadata.
final class InsuranceFileCache: @unchecked Sendable {
    /// A file and its strong entity tag.
    struct File {
        let bytes: [UInt8]
        let tag: String
    }

    /// What a month's file depends on.
    private struct Key: Hashable {
        let period: Period
        let hasData: Bool

        init(_ period: Period, last: Period) {
            self.period = period
            hasData = period >= InsuranceGenerator.firstDataPeriod && period <= last
        }
    }

    private let capacity: Int
    private let lock = NSLock()
    private var files: [(Key, File)] = []
    private var tags: [Key: String] = [:]

    init(capacity: Int) { self.capacity = capacity }

    /// The file of `period` when `last` is the last month with data, made by `make` unless cached (nil when `make`
    /// fails).
    func file(_ period: Period, last: Period, make: () -> [UInt8]?) -> File? {
        let key = Key(period, last: last)
        if let hit = lock.withLock({ files.first { $0.0 == key }?.1 }) { return hit }
        guard let made = make() else { return nil }
        let file = File(bytes: made, tag: Self.entityTag(made))
        lock.withLock {
            files.removeAll { $0.0 == key }
            files.append((key, file))
            if files.count > capacity { files.removeFirst() }
            tags[key] = file.tag
        }
        return file
    }

    /// The tag of `period`'s file when `last` is the last month with data, if that file was made before.
    func tag(_ period: Period, last: Period) -> String? {
        lock.withLock { tags[Key(period, last: last)] }
    }

    /// A strong entity tag of a file: its CRC-32 and length, quoted.
    static func entityTag(_ bytes: [UInt8]) -> String {
        let crc = bytes.withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) }
        return "\"" + String(crc, radix: 16) + "-" + String(bytes.count, radix: 16) + "\""
    }
}
