import Foundation

/// The OpenAPI 3.0 document of the API, written from `RouteSpec.all`: every route, parameter, response and the
/// bearer security scheme.
enum OpenAPIDocument {
    static func object() -> [String: Any] {
        var paths: [String: [String: Any]] = [:]
        for route in RouteSpec.all {
            var operation: [String: Any] = [
                "operationId": route.operationID,
                "summary": route.summary,
                "responses": Dictionary(uniqueKeysWithValues: route.responses.map { response in
                    var entry: [String: Any] = ["description": response.description]
                    if !response.contentTypes.isEmpty {
                        entry["content"] = Dictionary(uniqueKeysWithValues: response.contentTypes.map { type in
                            // JSON bodies are objects; the others (CSV, NDJSON lines, YAML, Prometheus text) any text.
                            (type, type == "application/json" || type == "application/geo+json" ? ["schema": ["type": "object"]] : ["schema": [String: String]()])
                        })
                    }
                    return (response.code, entry)
                }),
            ]
            if !route.parameters.isEmpty {
                operation["parameters"] = route.parameters.map { parameter in
                    [
                        "name": parameter.name, "in": parameter.location, "description": parameter.description,
                        "required": parameter.required, "schema": parameter.schema,
                    ] as [String: Any]
                }
            }
            operation["security"] = route.secured ? [["bearer": [String]()]] : [[String: [String]]]()
            if let body = route.body {
                operation["requestBody"] = ["required": false, "content": ["application/json": ["schema": body]]]
            }
            paths[route.path, default: [:]][route.method] = operation
        }
        return [
            "openapi": "3.0.3",
            "info": [
                "title": "CityPipe operations-centre API",
                "version": "1.0.0",
                "description": """
                    The integrated views of the province's data-integration centre. Personal data is shaped by the \
                    token's role (viewer: aggregates, small counts suppressed; analyst: pseudonyms; officer: personal \
                    data with X-Purpose, every read audited; operator: runs and backfills; auditor: the audit log). \
                    Every response carries X-CityPipe-As-Of and X-CityPipe-Run; views carry an ETag.
                    """,
            ],
            "servers": [["url": "/"]],
            "paths": paths,
            "components": [
                "securitySchemes": [
                    "bearer": ["type": "http", "scheme": "bearer", "description": "A token from `citypipe token create`."],
                ],
            ],
        ]
    }

    static func data() throws -> Data {
        try JSONSerialization.data(withJSONObject: object(), options: [.sortedKeys, .prettyPrinted])
    }
}
