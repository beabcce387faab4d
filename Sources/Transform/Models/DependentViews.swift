import Foundation
import Postgres

/// The views that read a table (view models, and analysts' own views), directly or through one another: a full
/// build that swaps the table in drops them with the old one and makes them again, in its transaction, from their
/// definitions read before, so that readers never find them missing.
struct DependentViews {
    /// A view: its qualified name, its definition and comment.
    struct View {
        let name: String
        let definition: String
        let comment: String?
    }

    let views: [View]

    /// The views that read `table` (`schema.name`), in the order they were made (a view after those it reads).
    ///
    /// Two builds side by side may swap two tables one view reads (`citizen_360`: `citizen_profile` and
    /// `insurance_coverage`). Each takes the lock `citypipe:views` before it reads the definitions, until it
    /// commits, so that one makes the view again before the other reads it. The build's snapshot may predate the
    /// other's commit: a view model's definition is its model's SQL (`models`, by name), whatever the snapshot
    /// shows; an analyst's view is read from the snapshot, and when another build made it again since, this build
    /// fails, saying so (run the transform again), rather than drop it unread.
    init(of table: String, models: [String: SQLModel], _ c: PostgresConnection) throws {
        let found = try c.query(
            """
            WITH RECURSIVE reader(oid) AS (
                SELECT r.ev_class FROM pg_depend AS d JOIN pg_rewrite AS r ON r.oid = d.objid
                WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass
                  AND d.refobjid = to_regclass($1) AND r.ev_class <> d.refobjid
                UNION
                SELECT r.ev_class FROM reader JOIN pg_depend AS d ON d.refobjid = reader.oid
                JOIN pg_rewrite AS r ON r.oid = d.objid
                WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass AND r.ev_class <> reader.oid
            )
            SELECT format('%I.%I', n.nspname, v.relname) AS name, v.oid::bigint AS oid
            FROM (SELECT DISTINCT oid FROM reader) AS r JOIN pg_class AS v ON v.oid = r.oid JOIN pg_namespace AS n ON n.oid = v.relnamespace
            WHERE v.relkind = 'v' ORDER BY v.oid
            """, [table], name: "views reading \(table)"
        ).map { (name: try $0.decode(String.self, "name"), oid: try $0.decode(Int.self, "oid")) }
        guard !found.isEmpty else {
            views = []
            return
        }
        try c.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", ["citypipe:views"], name: "lock the views reading \(table)")
        var views: [View] = []
        for view in found {
            if let model = models[view.name], model.materialized == .view {
                views.append(View(name: view.name, definition: model.sql, comment: (model.description ?? "") + " (model \(model.file))"))
                continue
            }
            guard try c.query(
                "SELECT coalesce(to_regclass($1)::oid::bigint = $2, false) AS same", [view.name, view.oid], name: "view \(view.name) unchanged"
            ).first?.decode(Bool.self, "same") == true else {
                throw PostgresError(
                    .server,
                    message: "the view \(view.name), which reads \(table), was made again by another build during this one: run the transform again",
                    statement: "views reading \(table)")
            }
            guard let row = try c.query(
                "SELECT pg_get_viewdef($1::oid) AS definition, obj_description($1::oid, 'pg_class') AS comment", [view.oid],
                name: "definition of \(view.name)").first
            else { continue }
            views.append(View(name: view.name, definition: try row.decode(String.self, "definition"), comment: try row.decode(String?.self, "comment")))
        }
        self.views = views
    }

    /// Makes the views again (the tables they read are in place again, under the same names).
    func recreate(_ c: PostgresConnection) throws {
        for view in views {
            // OR REPLACE: a view another build had already made again, no longer on the table dropped here, stands.
            try c.simpleExecute("CREATE OR REPLACE VIEW \(view.name) AS \(view.definition)", name: "make again the view \(view.name)")
            if let comment = view.comment {
                try c.query("SELECT set_config('citypipe.comment', $1, true)", [comment], name: "comment text")
                try c.simpleExecute(
                    "DO $$ BEGIN EXECUTE format('COMMENT ON VIEW \(view.name) IS %L', current_setting('citypipe.comment')); END $$",
                    name: "comment on \(view.name)")
            }
        }
    }
}
