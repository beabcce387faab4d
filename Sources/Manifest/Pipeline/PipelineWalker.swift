import Foundation
import Yams

/// Checks a pipeline document key by key, collecting every problem, and builds the model when there is none.
struct PipelineWalker {
    let file: String
    let knownFeeds: [String]
    private(set) var issues: [ManifestIssue] = []

    static let topKeys = ["name", "description", "concurrency", "settings", "steps"]
    static let stepKeys = ["name", "ingest", "transform", "concurrency", "on_failure", "description"]
    static let transformKeys = ["models"]

    init(file: String, knownFeeds: [String]) {
        self.file = file
        self.knownFeeds = knownFeeds
    }

    mutating func report(_ mark: Mark?, _ path: ManifestKeyPath, _ message: String) {
        issues.append(PipelineLoader.issue(file, mark, path, message))
    }

    mutating func pipeline(_ root: Node) -> PipelineManifest? {
        guard let mapping = root.mapping else {
            report(root.mark, .root, "a pipeline is a mapping with name, concurrency and steps")
            return nil
        }
        checkKeys(mapping, allowed: Self.topKeys, at: .root)
        let stem = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        var name = stem
        if let node = mapping["name"] {
            if let text = string(node, at: "name") {
                name = text
                if text != stem { report(node.mark, "name", "'\(text)' must equal the file's name '\(stem)'") }
            }
        } else {
            report(root.mark, "name", "required key 'name' is missing")
        }
        let description = mapping["description"].flatMap { string($0, at: "description") }
        let concurrency = mapping["concurrency"].map { limit($0, at: "concurrency") } ?? 2
        let settings = mapping["settings"].map { self.settings($0) } ?? []
        var steps: [PipelineStep] = []
        guard let stepsNode = mapping["steps"] else {
            report(root.mark, "steps", "required key 'steps' is missing")
            return nil
        }
        guard let sequence = stepsNode.sequence, !sequence.isEmpty else {
            report(stepsNode.mark, "steps", "expected a list of steps")
            return nil
        }
        var seenNames: Set<String> = []
        var seenFeeds: [String: ManifestKeyPath] = [:]
        for (index, node) in sequence.enumerated() {
            let path = ManifestKeyPath("steps").appending(index: index)
            guard let step = step(node, at: path, seenFeeds: &seenFeeds) else { continue }
            if !seenNames.insert(step.name).inserted {
                report(node.mark, path.appending("name"), "step name '\(step.name)' is used twice")
            }
            steps.append(step)
        }
        return PipelineManifest(name: name, description: description, concurrency: concurrency ?? 2, steps: steps, settings: settings)
    }

    /// `settings:`, a mapping of PostgreSQL parameter names to plain values.
    private mutating func settings(_ node: Node) -> [PipelineSetting] {
        guard let mapping = node.mapping else {
            report(node.mark, "settings", "expected a mapping of PostgreSQL parameters to values, e.g. {max_parallel_workers_per_gather: 0}")
            return []
        }
        var settings: [PipelineSetting] = []
        for (key, value) in mapping {
            guard let name = key.string else { continue }
            let path = ManifestKeyPath("settings").appending(name)
            guard Self.isParameterName(name) else {
                report(key.mark, path, "'\(name)' is not a PostgreSQL parameter name (lower-case letters, digits, _ and .)")
                continue
            }
            guard let text = value.scalar?.string, Self.isParameterValue(text) else {
                report(value.mark, path, "expected a value of letters, digits and _ . : + - (e.g. 0, 256MB, off, 30s)")
                continue
            }
            settings.append(PipelineSetting(name: name, value: text))
        }
        return settings
    }

    /// A parameter name: lower-case letters, digits, `_`, and `.` for an extension's.
    static func isParameterName(_ name: String) -> Bool {
        guard let first = name.utf8.first, (0x61...0x7A).contains(first) || first == 0x5F else { return false }
        return name.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x5F || $0 == 0x2E }
    }

    /// A value a session's `-c name=value` option carries as it is.
    static func isParameterValue(_ value: String) -> Bool {
        !value.isEmpty && value.utf8.allSatisfy {
            (0x61...0x7A).contains($0) || (0x41...0x5A).contains($0) || (0x30...0x39).contains($0)
                || $0 == 0x5F || $0 == 0x2E || $0 == 0x3A || $0 == 0x2B || $0 == 0x2D
        }
    }

    private mutating func step(_ node: Node, at path: ManifestKeyPath, seenFeeds: inout [String: ManifestKeyPath]) -> PipelineStep? {
        guard let mapping = node.mapping else {
            report(node.mark, path, "a step is a mapping with a name and one of: ingest, transform")
            return nil
        }
        checkKeys(mapping, allowed: Self.stepKeys, at: path)
        let name = mapping["name"].flatMap { string($0, at: path.appending("name")) }
        if mapping["name"] == nil { report(node.mark, path.appending("name"), "required key 'name' is missing") }
        let actions = ["ingest", "transform"].filter { mapping[$0] != nil }
        guard actions.count == 1 else {
            report(node.mark, path, actions.isEmpty
                ? "a step needs one of: ingest (a list of feeds), transform"
                : "a step does one thing: ingest or transform, not both")
            return nil
        }
        var action: PipelineStep.Action
        if let ingest = mapping["ingest"] {
            let ingestPath = path.appending("ingest")
            guard let list = ingest.sequence, !list.isEmpty else {
                report(ingest.mark, ingestPath, "expected a list of feed names, e.g. [population, business]")
                return nil
            }
            var feeds: [String] = []
            for (index, item) in list.enumerated() {
                let itemPath = ingestPath.appending(index: index)
                guard let feed = string(item, at: itemPath) else { continue }
                if !knownFeeds.contains(feed) {
                    report(item.mark, itemPath, "no connector manifest '\(feed).yaml'\(Suggestion.hint(for: feed, in: knownFeeds))")
                } else if let earlier = seenFeeds[feed] {
                    report(item.mark, itemPath, "feed '\(feed)' is already ingested at \(earlier)")
                } else {
                    seenFeeds[feed] = itemPath
                }
                feeds.append(feed)
            }
            action = .ingest(feeds)
        } else {
            var models: [String] = []
            if let transform = mapping["transform"], let options = transform.mapping {
                checkKeys(options, allowed: Self.transformKeys, at: path.appending("transform"))
                if let list = options["models"] {
                    models = (list.sequence ?? []).enumerated().compactMap {
                        string($0.element, at: path.appending("transform").appending("models").appending(index: $0.offset))
                    }
                }
            }
            action = .transform(models: models)
        }
        let concurrency = mapping["concurrency"].flatMap { limit($0, at: path.appending("concurrency")) }
        var policy = PipelineStep.FailurePolicy.continue
        if let node = mapping["on_failure"], let text = string(node, at: path.appending("on_failure")) {
            if let value = PipelineStep.FailurePolicy(rawValue: text) {
                policy = value
            } else {
                let options = PipelineStep.FailurePolicy.allCases.map(\.rawValue)
                report(node.mark, path.appending("on_failure"),
                    "'\(text)' is not one of \(options.joined(separator: ", "))\(Suggestion.hint(for: text, in: options))")
            }
        }
        return PipelineStep(name: name ?? "", action: action, concurrency: concurrency, onFailure: policy)
    }

    private mutating func checkKeys(_ mapping: Node.Mapping, allowed: [String], at path: ManifestKeyPath) {
        for (key, _) in mapping {
            guard let text = key.string, !allowed.contains(text) else { continue }
            report(key.mark, path.appending(text), "unknown key '\(text)'\(Suggestion.hint(for: text, in: allowed))")
        }
    }

    private mutating func string(_ node: Node, at path: ManifestKeyPath) -> String? {
        guard let scalar = node.scalar, !scalar.string.isEmpty else {
            report(node.mark, path, "expected a non-empty text value")
            return nil
        }
        return scalar.string
    }

    private mutating func limit(_ node: Node, at path: ManifestKeyPath) -> Int? {
        guard let value = node.int, (1...PipelineLoader.maxConcurrency).contains(value) else {
            report(node.mark, path, "expected a whole number from 1 to \(PipelineLoader.maxConcurrency)")
            return nil
        }
        return value
    }
}
