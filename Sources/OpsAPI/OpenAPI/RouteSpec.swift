/// One route of the API as the OpenAPI document describes it. The router and the document are both written
/// from this list; a test checks that every route the router answers is here and the reverse.
struct RouteSpec {
    /// A query or path parameter.
    struct Parameter {
        let name: String
        let location: String  // "query" | "path" | "header"
        let description: String
        let schema: [String: Any]
        let required: Bool

        static func query(_ name: String, _ description: String, _ schema: [String: Any] = ["type": "string"]) -> Parameter {
            Parameter(name: name, location: "query", description: description, schema: schema, required: false)
        }

        static func path(_ name: String, _ description: String, _ schema: [String: Any] = ["type": "string"]) -> Parameter {
            Parameter(name: name, location: "path", description: description, schema: schema, required: true)
        }
    }

    let method: String
    /// OpenAPI's template: `/v1/views/{name}`.
    let path: String
    let operationID: String
    let summary: String
    let parameters: [Parameter]
    /// Needs a bearer token.
    let secured: Bool
    /// Status codes it answers, with their descriptions.
    let responses: [(code: String, description: String, contentTypes: [String])]
    /// A JSON request body's schema (POST routes).
    let body: [String: Any]?

    static let json = ["application/json"]
    static let problems: [(String, String, [String])] = [
        ("400", "A parameter, filter, header or body is wrong; the message names it.", json),
        ("401", "No token, or a token unknown, revoked or expired.", json),
        ("403", "The token's role may not do this.", json),
        ("404", "No such view, ward, run or backfill.", json),
        ("503", "The database is not reachable or a statement took too long.", json),
    ]

    static let viewFilter = "Filters in PostgREST's syntax: COLUMN=[not.]OP.VALUE, OP one of eq, neq, gt, gte, lt, lte, like, ilike, in, is."

    nonisolated(unsafe) static let all: [RouteSpec] = [
        RouteSpec(method: "get", path: "/health", operationID: "health", summary: "The process answers.", parameters: [], secured: false,
                  responses: [("200", "Alive.", json), ("400", "An unknown parameter.", json)], body: nil),
        RouteSpec(method: "get", path: "/ready", operationID: "ready", summary: "The database answers and its migrations are current.",
                  parameters: [], secured: false,
                  responses: [("200", "Ready.", json), ("400", "An unknown parameter.", json), ("503", "Not ready; the message says why.", json)], body: nil),
        RouteSpec(method: "get", path: "/metrics", operationID: "metrics", summary: "Prometheus metrics.", parameters: [], secured: false,
                  responses: [("200", "Prometheus text format 0.0.4.", ["text/plain"]), ("400", "An unknown parameter.", json)], body: nil),
        RouteSpec(method: "get", path: "/openapi.json", operationID: "openapiJSON", summary: "This document.", parameters: [], secured: false,
                  responses: [("200", "OpenAPI 3.0.", json), ("400", "An unknown parameter.", json)], body: nil),
        RouteSpec(method: "get", path: "/openapi.yaml", operationID: "openapiYAML", summary: "This document (as YAML: JSON is YAML 1.2).",
                  parameters: [], secured: false,
                  responses: [("200", "OpenAPI 3.0.", ["application/yaml"]), ("400", "An unknown parameter.", json)], body: nil),
        RouteSpec(method: "get", path: "/v1/views", operationID: "listViews",
                  summary: "The views the caller may read: description, columns as the role sees them, build, freshness, roles.",
                  parameters: [], secured: true, responses: [("200", "The catalogue.", json)] + problems, body: nil),
        RouteSpec(method: "get", path: "/v1/views/{name}", operationID: "readView",
                  summary: "Rows of a view, shaped by the caller's role. " + viewFilter,
                  parameters: [
                      .path("name", "schema.table, e.g. integrated.commune_profile", ["type": "string", "pattern": "^(core|integrated)\\.[a-z][a-z0-9_]*$"]),
                      .query("select", "Columns to return, comma-separated."),
                      .query("order", "column[.asc|.desc][.nullsfirst|.nullslast], comma-separated; the unique key is always last."),
                      .query("limit", "Rows per page, 1 to 10000 (default 100); `all` streams every row (csv and ndjson only).",
                             ["type": "string", "pattern": "^([1-9][0-9]{0,3}|10000|all)$"]),
                      .query("offset", "Rows to skip (prefer cursor).", ["type": "integer", "minimum": 0, "maximum": 100_000_000]),
                      .query("cursor", "The next_cursor of the previous page.", ["type": "string", "pattern": "^[A-Za-z0-9_-]{1,4096}$"]),
                      .query("count", "How to count matching rows.", ["type": "string", "enum": ["exact", "estimated", "none"]]),
                      .query("format", "Overrides Accept.", ["type": "string", "enum": ["json", "csv", "ndjson", "geojson"]]),
                      Parameter(name: "X-Purpose", location: "header", description: "Officers: the purpose of the request.",
                                schema: ["type": "string", "enum": Purpose.allCases.map(\.rawValue)], required: false),
                  ],
                  secured: true,
                  responses: [("200", "A page (json: rows, next_cursor, count), or the stream (csv, ndjson).",
                               ["application/json", "text/csv", "application/x-ndjson", "application/geo+json"]),
                              ("304", "Not modified since the ETag given in If-None-Match.", []),
                              ("406", "Accept names no format this API serves.", json)] + problems, body: nil),
        RouteSpec(method: "get", path: "/v1/communes/{code}", operationID: "readCommune",
                  summary: "One ward's profile; a pre-2025 code with asOf before 2025-07-01 answers the ward it became.",
                  parameters: [
                      .path("code", "The 5-digit GSO code.", ["type": "string", "pattern": "^[0-9]{5}$"]),
                      .query("asOf", "The date the code is read at (YYYY-MM-DD).", ["type": "string", "format": "date"]),
                  ],
                  secured: true,
                  responses: [("200", "The ward's profile, and the crosswalk rule when read from a pre-2025 code.", json),
                              ("300", "The pre-2025 commune was split: the candidate wards.", json),
                              ("304", "Not modified.", [])] + problems, body: nil),
        RouteSpec(method: "get", path: "/v1/feeds", operationID: "listFeeds",
                  summary: "Each feed: last success, lag, rows staged, last load, open backfills.",
                  parameters: [], secured: true, responses: [("200", "As citypipe status --json.", json)] + problems, body: nil),
        RouteSpec(method: "get", path: "/v1/runs", operationID: "listRuns", summary: "The last runs, model builds and watermarks.",
                  parameters: [.query("limit", "How many runs (1 to 500, default 20).", ["type": "integer", "minimum": 1, "maximum": 500])],
                  secured: true, responses: [("200", "Runs.", json)] + problems, body: nil),
        RouteSpec(method: "get", path: "/v1/runs/{id}", operationID: "readRun", summary: "One run with its feed loads and model builds.",
                  parameters: [.path("id", "The run id.", ["type": "integer", "minimum": 1])],
                  secured: true, responses: [("200", "The run.", json)] + problems, body: nil),
        RouteSpec(method: "post", path: "/v1/runs", operationID: "startRun", summary: "Start a pipeline run (operator).",
                  parameters: [], secured: true,
                  responses: [("202", "Started: its run id.", json), ("409", "A run of that pipeline is going (named).", json),
                              ("415", "The body is not JSON.", json)] + problems,
                  body: ["type": "object", "properties": ["pipeline": ["type": "string", "default": "nightly"]], "additionalProperties": false]),
        RouteSpec(method: "post", path: "/v1/backfills", operationID: "startBackfill", summary: "Start a backfill of a feed (operator).",
                  parameters: [], secured: true,
                  responses: [("202", "Started: its backfill and run ids.", json),
                              ("409", "A backfill of the feed is going (named), or nothing is left to load.", json),
                              ("415", "The body is not JSON.", json)] + problems,
                  body: ["type": "object", "required": ["feed", "from", "to"], "additionalProperties": false,
                         "properties": ["feed": ["type": "string"], "from": ["type": "string", "format": "date"],
                                        "to": ["type": "string", "format": "date"],
                                        "step": ["type": "string", "enum": ["day", "week", "month"]],
                                        "parallel": ["type": "integer", "minimum": 1, "maximum": 32]]]),
        RouteSpec(method: "get", path: "/v1/backfills/{id}", operationID: "readBackfill", summary: "A backfill's windows and progress.",
                  parameters: [.path("id", "The backfill id.", ["type": "integer", "minimum": 1])],
                  secured: true, responses: [("200", "The backfill.", json)] + problems, body: nil),
        RouteSpec(method: "get", path: "/v1/audit", operationID: "searchAudit",
                  summary: "Who read a citizen's data, when, why (auditor).",
                  parameters: [
                      .query("subject", "A citizen ID (CCCD or CMND).", ["type": "string", "pattern": "^[0-9]{1,32}$"]),
                      .query("from", "First day.", ["type": "string", "format": "date"]),
                      .query("to", "Last day.", ["type": "string", "format": "date"]),
                      .query("limit", "At most (1 to 10000, default 100).", ["type": "integer", "minimum": 1, "maximum": 10_000]),
                  ],
                  secured: true, responses: [("200", "The reads, newest first.", json)] + problems, body: nil),
    ] + ogc + dashboard

    /// The dashboard (HTML for a browser).
    nonisolated(unsafe) static let dashboard: [RouteSpec] = [
        RouteSpec(method: "get", path: "/", operationID: "dashboard", summary: "The operations centre's dashboard (HTML, Vietnamese): the wards' choropleth, feeds' freshness, last runs.",
                  parameters: [.query("indicator", "The indicator the wards are coloured by.", ["type": "string", "enum": Indicator.all.map(\.column)])],
                  secured: false,
                  responses: [("200", "The dashboard, or the login form without a token.", ["text/html"]), ("400", "An unknown parameter or indicator.", json),
                              ("401", "A token that is not valid (the login form again).", ["text/html"]), ("403", "The role may not read the profile.", json)],
                  body: nil),
        RouteSpec(method: "post", path: "/login", operationID: "login", summary: "Keeps a token in an HttpOnly, SameSite=Strict cookie.",
                  parameters: [], secured: false,
                  responses: [("303", "To the dashboard.", []), ("400", "A malformed form.", json), ("401", "The token is not valid.", ["text/html"])],
                  body: nil),
        RouteSpec(method: "post", path: "/logout", operationID: "logout", summary: "Forgets the token's cookie.", parameters: [], secured: false,
                  responses: [("303", "To the login form.", []), ("400", "Never.", json)], body: nil),
    ]

    nonisolated(unsafe) static let collectionID = Parameter.path("collectionId", "A collection of GET /ogc/collections.", ["type": "string", "pattern": "^[a-z][a-z0-9_-]{0,62}$"])
    nonisolated(unsafe) static let format = Parameter.query("f", "json (the default) or html (for a browser).", ["type": "string", "enum": ["json", "geojson", "html"]])
    static let jsonOrHTML = ["application/json", "text/html"]
    nonisolated(unsafe) static let crsList: [String: Any] = ["type": "string", "enum": OGCCRS.allCases.map(\.rawValue)]

    /// OGC API – Features (Parts 1 and 2).
    nonisolated(unsafe) static let ogc: [RouteSpec] = [
        RouteSpec(method: "get", path: "/ogc", operationID: "ogcLanding", summary: "OGC API – Features: the landing page.",
                  parameters: [format], secured: true, responses: [("200", "Links to the API definition, conformance and data.", jsonOrHTML)] + problems, body: nil),
        RouteSpec(method: "get", path: "/ogc/conformance", operationID: "ogcConformance", summary: "The conformance classes implemented.",
                  parameters: [format], secured: true, responses: [("200", "conformsTo.", jsonOrHTML)] + problems, body: nil),
        RouteSpec(method: "get", path: "/ogc/collections", operationID: "ogcCollections", summary: "The feature collections the caller may read.",
                  parameters: [format], secured: true, responses: [("200", "Collections.", jsonOrHTML)] + problems, body: nil),
        RouteSpec(method: "get", path: "/ogc/collections/{collectionId}", operationID: "ogcCollection", summary: "One collection: extent, CRSs, links.",
                  parameters: [collectionID, format], secured: true, responses: [("200", "The collection.", jsonOrHTML)] + problems, body: nil),
        RouteSpec(method: "get", path: "/ogc/collections/{collectionId}/items", operationID: "ogcItems",
                  summary: "Features of a collection; a queryable PROPERTY=VALUE filters by equality.",
                  parameters: [
                      collectionID,
                      .query("limit", "Features per page.", ["type": "integer", "minimum": 1, "maximum": 10_000, "default": 10]),
                      .query("offset", "Features to skip.", ["type": "integer", "minimum": 0]),
                      .query("cursor", "The keyset cursor of a next link.", ["type": "string", "pattern": "^[A-Za-z0-9_-]{1,4096}$"]),
                      .query("bbox", "minx,miny,maxx,maxy in bbox-crs (CRS84 by default).", ["type": "array", "items": ["type": "number"], "minItems": 4, "maxItems": 6]),
                      .query("bbox-crs", "The CRS of bbox.", crsList),
                      .query("crs", "The CRS of the geometries returned.", crsList),
                      .query("datetime", "An instant or an interval (start/end, .. for an open end).", ["type": "string"]),
                      .query("properties", "Properties to return, comma-separated.", ["type": "string"]),
                      .query("filter", "A CQL2 text filter over the queryables (basic CQL2, LIKE/BETWEEN/IN, S_INTERSECTS).", ["type": "string"]),
                      .query("filter-lang", "cql2-text.", ["type": "string", "enum": ["cql2-text"]]),
                      .query("filter-crs", "The CRS of the filter's geometries.", crsList),
                      format,
                  ],
                  secured: true, responses: [("200", "A FeatureCollection with numberMatched, numberReturned and links.", ["application/geo+json", "text/html"]),
                                             ("304", "Not modified.", [])] + problems, body: nil),
        RouteSpec(method: "get", path: "/ogc/collections/{collectionId}/items/{featureId}", operationID: "ogcItem", summary: "One feature.",
                  parameters: [collectionID, .path("featureId", "The feature's id (its unique key; parts joined by @)."),
                               .query("crs", "The CRS of the geometry returned.", crsList), format],
                  secured: true, responses: [("200", "The feature.", ["application/geo+json", "text/html"]), ("304", "Not modified.", [])] + problems, body: nil),
        RouteSpec(method: "get", path: "/ogc/collections/{collectionId}/queryables", operationID: "ogcQueryables",
                  summary: "The properties a request may filter on (JSON Schema).",
                  parameters: [collectionID, format], secured: true, responses: [("200", "The queryables.", ["application/schema+json", "text/html"])] + problems, body: nil),
        RouteSpec(method: "get", path: "/ogc/collections/{collectionId}/tiles", operationID: "ogcTilesets", summary: "The collection's vector tilesets.",
                  parameters: [collectionID, format], secured: true, responses: [("200", "Tilesets.", jsonOrHTML)] + problems, body: nil),
        RouteSpec(method: "get", path: "/ogc/collections/{collectionId}/tiles/{tileMatrixSetId}", operationID: "ogcTileset",
                  summary: "A tileset's metadata (WebMercatorQuad).",
                  parameters: [collectionID, .path("tileMatrixSetId", "WebMercatorQuad.", ["type": "string", "enum": ["WebMercatorQuad"]]), format],
                  secured: true, responses: [("200", "The tileset.", jsonOrHTML)] + problems, body: nil),
        RouteSpec(method: "get", path: "/ogc/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}", operationID: "ogcTile",
                  summary: "A Mapbox Vector Tile of the collection (row before column).",
                  parameters: [collectionID, .path("tileMatrixSetId", "WebMercatorQuad.", ["type": "string", "enum": ["WebMercatorQuad"]]),
                               .path("tileMatrix", "Zoom, 0 to 22.", ["type": "integer", "minimum": 0, "maximum": 22]),
                               .path("tileRow", "Row (y).", ["type": "integer", "minimum": 0]),
                               .path("tileCol", "Column (x).", ["type": "integer", "minimum": 0])],
                  secured: true, responses: [("200", "The tile.", ["application/vnd.mapbox-vector-tile"]), ("304", "Not modified.", [])] + problems, body: nil),
    ]
}
