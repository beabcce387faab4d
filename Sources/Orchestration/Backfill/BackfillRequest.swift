import Ingest

/// What to backfill: a feed, a date range (both days included, Asia/Ho_Chi_Minh), how to cut it and what to do
/// with windows an earlier backfill of the same range loaded.
public struct BackfillRequest: Sendable {
    /// The feed (`Connectors/FEED.yaml`); its manifest needs `incremental.window`.
    public var feed: String
    /// First day, `YYYY-MM-DD` (or `YYYY-MM`); nil with `to` nil and `resume`: the feed's latest unfinished backfill.
    public var from: String?
    /// Last day, included, `YYYY-MM-DD` (or `YYYY-MM` for its whole month).
    public var to: String?
    /// Window length (nil: the manifest's window step).
    public var step: BackfillPlan.Step?
    /// Windows loaded at once, each on its own connection (1 to 32).
    public var parallel: Int = 1
    /// Continue an interrupted backfill from its first unfinished window.
    public var resume: Bool = false
    /// Load windows again: failed (failed or cut off) or all.
    public var reprocess: BackfillSelection.Reprocess?
    /// One of several workers (processes, hosts) sharing this range's windows: each claims windows no other
    /// holds (`FOR UPDATE SKIP LOCKED`); the feed's backfill lock is taken shared.
    public var worker: Bool = false
    /// The folder of connector manifests.
    public var connectors: String = "Connectors"
    /// A `postgresql://` URL or libpq `key=value` string ("" for libpq's `PG*` variables).
    public var conninfo: String

    public init(
        feed: String, from: String?, to: String?, step: BackfillPlan.Step? = nil, parallel: Int = 1, resume: Bool = false,
        reprocess: BackfillSelection.Reprocess? = nil, worker: Bool = false, connectors: String = "Connectors", conninfo: String
    ) {
        self.worker = worker
        self.feed = feed
        self.from = from
        self.to = to
        self.step = step
        self.parallel = parallel
        self.resume = resume
        self.reprocess = reprocess
        self.connectors = connectors
        self.conninfo = conninfo
    }

    /// The problem with the options, if any (what `citypipe backfill` checks before it starts).
    public var problem: String? {
        guard (1...32).contains(parallel) else { return "--parallel must be from 1 to 32" }
        if worker && (from == nil || to == nil || resume || reprocess != nil) {
            return "--worker needs --from and --to (the range every worker shares), without --resume or --reprocess: workers always load the windows not yet loaded"
        }
        if from == nil || to == nil {
            guard resume && from == nil && to == nil else {
                return "give both --from and --to (or only --resume, to continue the feed's latest unfinished backfill)"
            }
        }
        return nil
    }
}
