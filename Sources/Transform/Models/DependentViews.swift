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
    init(of table: String, _ c: PostgresConnection) throws {
        views = try c.query(
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
            SELECT format('%I.%I', n.nspname, v.relname) AS name, pg_get_viewdef(v.oid) AS definition,
                   obj_description(v.oid, 'pg_class') AS comment
            FROM (SELECT DISTINCT oid FROM reader) AS r JOIN pg_class AS v ON v.oid = r.oid JOIN pg_namespace AS n ON n.oid = v.relnamespace
            WHERE v.relkind = 'v' ORDER BY v.oid
            """, [table], name: "views reading \(table)"
        ).map { row in
            View(name: try row.decode(String.self, "name"), definition: try row.decode(String.self, "definition"), comment: try row.decode(String?.self, "comment"))
        }
    }

    /// Makes the views again (the tables they read are in place again, under the same names).
    func recreate(_ c: PostgresConnection) throws {
        for view in views {
            try c.simpleExecute("CREATE VIEW \(view.name) AS \(view.definition)", name: "make again the view \(view.name)")
            if let comment = view.comment {
                try c.query("SELECT set_config('citypipe.comment', $1, true)", [comment], name: "comment text")
                try c.simpleExecute(
                    "DO $$ BEGIN EXECUTE format('COMMENT ON VIEW \(view.name) IS %L', current_setting('citypipe.comment')); END $$",
                    name: "comment on \(view.name)")
            }
        }
    }
}
