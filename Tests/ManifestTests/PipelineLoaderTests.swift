import Foundation
import Manifest
import XCTest

/// `Pipelines/*.yaml`: the shipped nightly pipeline loads; every kind of mistake is named with file, line and key.
final class PipelineLoaderTests: XCTestCase {
    let loader = PipelineLoader(knownFeeds: ["population", "business", "insurance", "labour"])

    static let pipelines = Fixture.connectors.deletingLastPathComponent().appendingPathComponent("Pipelines", isDirectory: true)

    func testTheShippedNightlyPipelineIsValidAndNamesOnlyShippedFeeds() throws {
        let feeds = try ManifestLoader.manifestFiles(in: Fixture.connectors).map { $0.deletingPathExtension().lastPathComponent }
        let pipeline = try PipelineLoader(knownFeeds: feeds).loadValid(
            contentsOf: Self.pipelines.appendingPathComponent("nightly.yaml"), displayPath: "Pipelines/nightly.yaml")
        XCTAssertEqual(pipeline.name, "nightly")
        XCTAssertGreaterThanOrEqual(pipeline.concurrency, 1)
        XCTAssertEqual(Set(pipeline.feeds), Set(feeds), "the nightly run ingests every connector")
        XCTAssertEqual(pipeline.feeds.count, Set(pipeline.feeds).count)
    }

    func testAValidPipelineDecodesStepsInOrder() throws {
        let result = loader.load(yaml: """
            name: nightly
            concurrency: 4
            steps:
              - name: national
                ingest: [population, business]
                on_failure: stop
              - name: sectors
                ingest: [labour]
                concurrency: 1
              - name: transform
                transform: {models: [commune_profile]}
            """, file: "Pipelines/nightly.yaml")
        XCTAssertEqual(result.issues, [])
        let pipeline = try XCTUnwrap(result.pipeline)
        XCTAssertEqual(pipeline.concurrency, 4)
        XCTAssertEqual(pipeline.steps.map(\.name), ["national", "sectors", "transform"])
        XCTAssertEqual(pipeline.steps[0].action, .ingest(["population", "business"]))
        XCTAssertEqual(pipeline.steps[0].onFailure, .stop)
        XCTAssertEqual(pipeline.steps[1].concurrency, 1)
        XCTAssertEqual(pipeline.steps[1].onFailure, .continue)
        XCTAssertEqual(pipeline.steps[2].action, .transform(models: ["commune_profile"]))
        XCTAssertEqual(pipeline.feeds, ["population", "business", "labour"])
    }

    func testSettingsAreReadInOrder() throws {
        let result = loader.load(yaml: """
            name: nightly
            settings:
              max_parallel_workers_per_gather: 0
              work_mem: 64MB
              auto_explain.log_min_duration: 5s
            steps:
              - name: a
                ingest: [population]
            """, file: "Pipelines/nightly.yaml")
        XCTAssertEqual(result.issues, [])
        XCTAssertEqual(
            try XCTUnwrap(result.pipeline).settings,
            [PipelineSetting(name: "max_parallel_workers_per_gather", value: "0"), PipelineSetting(name: "work_mem", value: "64MB"),
             PipelineSetting(name: "auto_explain.log_min_duration", value: "5s")])
        XCTAssertEqual(loader.load(yaml: "name: nightly\nsteps:\n  - name: a\n    ingest: [population]\n", file: "Pipelines/nightly.yaml").pipeline?.settings, [])
    }

    /// Each broken pipeline and the one problem expected in it (line, key path, part of the message).
    func testEveryMistakeIsReportedWithLineAndKeyPath() {
        let cases: [(yaml: String, line: Int, path: String, message: String)] = [
            ("name: nightly\nsteps:\n  - name: a\n    ingest: [populaton]\n", 4, "steps[0].ingest[0]", "did you mean 'population'?"),
            ("name: nightly\nsteps:\n  - name: a\n    ingest: [population]\n  - name: b\n    ingest: [business, population]\n",
             6, "steps[1].ingest[1]", "already ingested at steps[0].ingest[0]"),
            ("name: nightly\nconcurrency: 0\nsteps:\n  - name: a\n    ingest: [population]\n", 2, "concurrency", "from 1 to 64"),
            ("name: nightly\nsteps:\n  - name: a\n    ingest: [population]\n    on_failure: halt\n", 5, "steps[0].on_failure", "not one of continue, stop"),
            ("name: nightly\nstep: x\nsteps:\n  - name: a\n    ingest: [population]\n", 2, "step", "did you mean 'steps'?"),
            ("name: daily\nsteps:\n  - name: a\n    ingest: [population]\n", 1, "name", "must equal the file's name 'nightly'"),
            ("name: nightly\nsteps:\n  - name: a\n", 3, "steps[0]", "needs one of: ingest"),
            ("name: nightly\nsteps:\n  - name: a\n    ingest: [population]\n    transform: {}\n", 3, "steps[0]", "ingest or transform, not both"),
            ("name: nightly\nsteps:\n  - name: a\n    ingest: [population]\n  - name: a\n    ingest: [business]\n", 5, "steps[1].name", "used twice"),
            ("name: nightly\nsteps: []\n", 2, "steps", "expected a list of steps"),
            ("name: nightly\nsettings: [work_mem]\nsteps:\n  - name: a\n    ingest: [population]\n", 2, "settings", "expected a mapping"),
            ("name: nightly\nsettings:\n  Work-Mem: 64MB\nsteps:\n  - name: a\n    ingest: [population]\n", 3,
             "settings.Work-Mem", "not a PostgreSQL parameter name"),
            ("name: nightly\nsettings:\n  work_mem: 64 MB\nsteps:\n  - name: a\n    ingest: [population]\n", 3,
             "settings.work_mem", "letters, digits and _ . : + -"),
            ("name: nightly\nsettings:\n  work_mem: '64MB -c role=postgres'\nsteps:\n  - name: a\n    ingest: [population]\n", 3,
             "settings.work_mem", "letters, digits and _ . : + -"),
        ]
        for (index, item) in cases.enumerated() {
            let result = loader.load(yaml: item.yaml, file: "Pipelines/nightly.yaml")
            XCTAssertNil(result.pipeline, "case \(index)")
            let issue = result.issues.first
            XCTAssertEqual(result.issues.count, 1, "case \(index): \(result.issues)")
            XCTAssertEqual(issue?.line, item.line, "case \(index): \(issue?.description ?? "no issue")")
            XCTAssertEqual(issue?.keyPath.description, item.path, "case \(index)")
            XCTAssertTrue(issue?.message.contains(item.message) ?? false, "case \(index): \(issue?.message ?? "")")
            XCTAssertTrue(issue?.description.hasPrefix("Pipelines/nightly.yaml:\(item.line):") ?? false, "case \(index)")
        }
    }
}
