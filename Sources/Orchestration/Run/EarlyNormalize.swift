import Dispatch
import Foundation
import Transform

/// The normalisation of each feed of a pipeline's ingest steps as soon as its load succeeds, while the step's
/// other feeds still load, for the transform step that follows (Dagster's assets materialise when their inputs
/// are ready, not when a whole stage is).
///
/// Feeds are normalised in the order their loads end, two passes at once at most (`passes`; each pass already
/// shares its rows between `workers` lanes). The transform step waits for them (`finish`) and normalises only the
/// feeds that did not succeed here. In the nightly run at scale 1 the insurance month normalised while land and the
/// claims still loaded: the transform step's normalise phase was 6.5 s of the night's critical path. One pass at a
/// time, the insurance month (2.0 s at scale 1, 7.1 s at 2.6) waited behind the claims' pass when their loads
/// ended together, and the claims' pass (1.1 s at 2.6) behind it when insurance ended first, while the models
/// waited for both.
///
/// The models that read only clean tables normalised so in this run (and `ref.*` tables, and other such models) are
/// built as soon as those are, one build at a time, while the other feeds still load or normalise: at scale 2.6
/// `core.person` (3.7 s) was built after the insurance month's pass, which it does not read, and every model that
/// reads people waited for it. The transform step builds every model as before; one built here finds nothing changed
/// since (an incremental build of no key, or a table model left as it is). A build that fails here is tried again
/// there.
///
/// A feed whose clean table is still empty (its first build, the first night) is left to the transform step: at
/// scale 2.6 the first night's normalisations beside the loads took 327 s between them where the normalise phase
/// alone had taken 181 s, and the first night 870.0 s against 770.7 s (the two cores were already full; the loads
/// and the normalisations of millions of rows slowed each other down).
///
/// A pipeline uses it only when a transform step follows and no step before it stops the run on failure
/// (`on_failure: stop` means the transform must not see what the failed step's neighbours staged).
final class EarlyNormalize: @unchecked Sendable {
    private let stage: TransformStage
    private let runID: Int64
    private let conninfo: String
    private let step: String
    private let log: EventLog
    private let queue = DispatchQueue(label: "citypipe.early-normalize", attributes: .concurrent)
    /// Normalisation passes at once.
    static let passes = 2
    private let places = DispatchSemaphore(value: EarlyNormalize.passes)
    private let group = DispatchGroup()
    private let lock = NSLock()
    private var done: [String: FeedLoadResult] = [:]
    /// Early model builds, one at a time, and the one under way.
    private let modelQueue = DispatchQueue(label: "citypipe.early-models")
    private let modelGroup = DispatchGroup()
    /// The transform step has begun: no more early builds start.
    private var closing = false
    /// Normalisation passes under way.
    private var passesUnderWay = 0
    /// Clean tables normalised here, models built here, and models tried here (built or not).
    private var normalised: Set<String> = []
    private var built: Set<String> = []
    private var attempted: Set<String> = []

    /// Normalises with `stage`'s plans; results are recorded under the transform step `step`.
    init(stage: TransformStage, runID: Int64, conninfo: String, step: String, log: EventLog) {
        self.stage = stage
        self.runID = runID
        self.conninfo = conninfo
        self.step = step
        self.log = log
    }

    /// A feed's load succeeded: its normalisation is queued.
    func loaded(_ feed: String) {
        group.enter()
        queue.async { [self] in
            places.wait()
            defer {
                places.signal()
                group.leave()
            }
            lock.withLock { passesUnderWay += 1 }
            let result = stage.normalize(feed: feed, runID: runID, conninfo: conninfo, step: step, log: log, unlessFirst: true)
            lock.withLock {
                passesUnderWay -= 1
                if let result {
                    done[feed] = result
                    if result.succeeded { normalised.insert(result.feed) }
                }
            }
            buildModels()
        }
    }

    /// Builds, one by one, the models that have become buildable (`TransformStage.buildableEarly`), on the model
    /// queue, until the transform step begins; none starts while a pass is under way (tried again when one ends).
    ///
    /// Every input of a model built here is already normalised or built, so its build waits for no pass's lock
    /// (one change-marker lock per relation, `ModelChanges`). It is still held back while a pass runs, for the
    /// two cores: the insurance month's pass leads to `core.insurance_coverage`, the night's critical path, and at 2.6
    /// `core.person_link` built beside it (8.0 s instead of 5.7 s) took the pass from 5.3–5.7 s to 8.5 s and the
    /// night from 36.2–37.4 s to 38.8 s. (Before the locks were per relation, such a build also waited for the pass
    /// itself, and the passes that began meanwhile waited behind it.)
    private func buildModels() {
        modelGroup.enter()
        modelQueue.async { [self] in
            defer { modelGroup.leave() }
            while let model = lock.withLock({ () -> SQLModel? in
                guard !closing, passesUnderWay == 0,
                      let next = stage.buildableEarly(normalised: normalised, built: built, attempted: attempted).first
                else { return nil }
                attempted.insert(next.name)
                return next
            }) {
                let results = stage.build([model], concurrency: 1, runID: runID, conninfo: conninfo, step: step, log: log)
                lock.withLock { built.formUnion(results.filter(\.succeeded).map(\.feed)) }
            }
        }
    }

    /// Starts no more early builds, waits for the queued normalisations and the build under way; returns the
    /// normalisations that succeeded, by feed (a failed one is left to the transform step, which tries it again and
    /// reports it).
    func finish() async -> [String: FeedLoadResult] {
        await Blocking.run { [self] in
            lock.withLock { closing = true }
            group.wait()
            modelGroup.wait()
            return lock.withLock { done.filter { $0.value.succeeded } }
        }
    }
}
