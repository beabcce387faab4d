import ArgumentParser
import Foundation
import Manifest
import Transform

/// `citypipe check`: validates every connector manifest and pipeline without running anything.
///
/// Prints `OK  NAME.yaml` per valid file, or one line per problem in the compilers'
/// `file:line:column: key.path: message` format; exits 0 when every file is valid, 1 otherwise.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate the connector manifests (Connectors/*.yaml) and pipelines (Pipelines/*.yaml) without running anything.",
        discussion: """
            Reports every problem with its file, line, column and key path, e.g.
              Connectors/x.yaml:12:5: fields.birth_date.type: 'datee' is not a type (did you mean 'date'?)
            Exit status: 0 when every manifest is valid (warnings allowed), 1 otherwise.
            """
    )

    @Option(name: .long, help: "Directory of connector manifests.")
    var connectors: String = "Connectors"

    @Option(name: .long, help: "Directory of pipeline files (checked when it exists).")
    var pipelines: String = "Pipelines"

    @Flag(name: .long, help: "Also check that every ${VARIABLE} the manifests use is set in this environment (values are never printed).")
    var env = false

    func run() throws {
        let directory = URL(fileURLWithPath: connectors, isDirectory: true)
        let files: [URL]
        do {
            files = try ManifestLoader.manifestFiles(in: directory)
        } catch {
            printError("\(connectors): cannot list the directory: \(error.localizedDescription)")
            throw ExitCode.failure
        }
        guard !files.isEmpty else {
            printError("\(connectors): no manifests (*.yaml) found")
            throw ExitCode.failure
        }
        let loader = ManifestLoader(knownSemantics: Self.knownSemantics)
        let environment = ProcessInfo.processInfo.environment
        var failed = 0
        for file in files {
            let display = (connectors as NSString).appendingPathComponent(file.lastPathComponent)
            let result = loader.load(contentsOf: file, displayPath: display)
            var problems = result.issues.map(\.description)
            var valid = result.isValid
            if env, let manifest = result.manifest {
                do {
                    _ = try Placeholders.resolve(manifest, file: display, environment: environment)
                } catch {
                    problems.append(error.description)
                    valid = false
                }
            }
            if valid {
                print("OK  \(file.lastPathComponent)")
            } else {
                failed += 1
            }
            problems.forEach { print($0) }
        }
        let feeds = files.map { $0.deletingPathExtension().lastPathComponent }
        let pipelineFailures = checkPipelines(knownFeeds: feeds)
        if failed > 0 {
            printError("\(failed) of \(files.count) manifest\(files.count == 1 ? "" : "s") invalid")
        }
        if pipelineFailures > 0 {
            printError("\(pipelineFailures) pipeline\(pipelineFailures == 1 ? "" : "s") invalid")
        }
        if failed + pipelineFailures > 0 { throw ExitCode.failure }
    }

    /// Checks `Pipelines/*.yaml` against the connector names; returns how many are invalid.
    private func checkPipelines(knownFeeds: [String]) -> Int {
        let directory = URL(fileURLWithPath: pipelines, isDirectory: true)
        guard let files = try? ManifestLoader.manifestFiles(in: directory) else { return 0 }
        let loader = PipelineLoader(knownFeeds: knownFeeds)
        var failed = 0
        for file in files {
            let result = loader.load(contentsOf: file, displayPath: (pipelines as NSString).appendingPathComponent(file.lastPathComponent))
            if result.isValid { print("OK  \(pipelines)/\(file.lastPathComponent)") } else { failed += 1 }
            result.issues.forEach { print($0.description) }
        }
        let models = URL(fileURLWithPath: pipelines, isDirectory: true).appendingPathComponent("models", isDirectory: true)
        if FileManager.default.fileExists(atPath: models.path) {
            do {
                let catalog = try ModelCatalog(directory: models, display: "\(pipelines)/models")
                print("OK  \(pipelines)/models (\(catalog.models.count) models)")
            } catch {
                print(error.description)
                failed += 1
            }
        }
        return failed
    }

    private func printError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
