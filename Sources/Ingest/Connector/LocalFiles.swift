import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Feeds read from the local file system: `request.url` is a path, a glob (`/data/bhxh/*.csv.gz`) or a
/// `file://` URL instead of an HTTP one.
enum LocalFiles {
    /// The files a non-HTTP `url` names, sorted; nil for an HTTP(S) URL.
    static func matching(_ url: String) -> [String]? {
        let lowered = url.lowercased()
        if lowered.hasPrefix("http://") || lowered.hasPrefix("https://") { return nil }
        let pattern = lowered.hasPrefix("file://") ? String(url.dropFirst("file://".count)) : url
        var result = glob_t()
        defer { globfree(&result) }
        guard glob(pattern, 0, nil, &result) == 0 else { return [] }
        var paths: [String] = []
        for index in 0..<Int(result.gl_pathc) {
            if let path = result.gl_pathv[index] { paths.append(String(cString: path)) }
        }
        return paths.sorted()
    }

    /// A local file that could not be read, or whose compression is broken.
    struct Unreadable: Error, CustomStringConvertible {
        let feed: String
        let path: String
        var reason: String = "cannot be opened"
        var description: String { "feed \(feed): \(path): \(reason)" }
    }
}
