import Foundation
import HTTPTypes
import Hummingbird

/// The OGC API's pages for a browser (conformance class `html`): the same documents as JSON, written as HTML —
/// links as links, collections as a list, features as a table. Asked for with `f=html` or an `Accept` header that
/// prefers `text/html` (a browser's); GDAL, OWSLib and QGIS ask for JSON and get it.
enum OGCHTML {
    /// Whether the request wants HTML.
    static func wanted(_ request: Request) -> Bool {
        if let format = (try? QueryString(request.uri.query))?.items.first(where: { $0.name == "f" })?.value {
            return format == "html"
        }
        guard let accept = request.headers[.accept]?.lowercased() else { return false }
        let first = accept.split(separator: ",").first.map { $0.split(separator: ";")[0].trimmingCharacters(in: .whitespaces) }
        return first == "text/html"
    }

    static func response(json: [UInt8], title: String, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.contentSecurityPolicy] = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
        let object = (try? JSONSerialization.jsonObject(with: Data(json))) ?? [:]
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: page(title: title, object: object))))
    }

    static func page(title: String, object: Any) -> String {
        var html = """
            <!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>\(HTMLText.escape(title))</title>
            <style>body{font-family:system-ui,'Noto Sans',Arial,sans-serif;margin:1rem 2rem;color:#222}table{border-collapse:collapse;font-size:.85rem}
            td,th{border:1px solid #ddd;padding:.2rem .4rem;text-align:left;vertical-align:top}dt{font-weight:600}</style></head><body>
            <h1>\(HTMLText.escape(title))</h1>
            """
        guard let document = object as? [String: Any] else { return html + "</body></html>" }
        if let description = document["description"] as? String { html += "<p>\(HTMLText.escape(description))</p>" }
        if let collections = document["collections"] as? [[String: Any]] {
            html += "<ul>"
            for collection in collections {
                let id = collection["id"] as? String ?? ""
                html += "<li><a href=\"/ogc/collections/\(HTMLText.escape(id))?f=html\">\(HTMLText.escape(id))</a> — "
                html += "<a href=\"/ogc/collections/\(HTMLText.escape(id))/items?f=html\">features</a>"
                if let text = collection["description"] as? String { html += "<br><small>\(HTMLText.escape(String(text.prefix(300))))</small>" }
                html += "</li>"
            }
            html += "</ul>"
        }
        if let features = document["features"] as? [[String: Any]] {
            html += table(features)
        } else if document["type"] as? String == "Feature" {
            html += table([document])
        }
        if let classes = document["conformsTo"] as? [String] {
            html += "<ul>" + classes.map { "<li>\(HTMLText.escape($0))</li>" }.joined() + "</ul>"
        }
        var facts: [(String, String)] = []
        for key in ["id", "itemType", "numberMatched", "numberReturned", "storageCrs", "timeStamp"] {
            if let value = document[key] { facts.append((key, "\(value)")) }
        }
        if let properties = document["properties"] as? [String: Any], document["type"] as? String == "object" {
            facts += properties.keys.sorted().map { ($0, "\(((properties[$0] as? [String: Any])?["type"] as? String) ?? "")") }
        }
        if !facts.isEmpty {
            html += "<dl>" + facts.map { "<dt>\(HTMLText.escape($0.0))</dt><dd>\(HTMLText.escape($0.1))</dd>" }.joined() + "</dl>"
        }
        if let links = document["links"] as? [[String: Any]] {
            html += "<h2>Liên kết</h2><ul>"
            for link in links {
                guard let href = link["href"] as? String else { continue }
                let type = link["type"] as? String ?? ""
                let target = type.contains("json") && !href.contains("{") ? href + (href.contains("?") ? "&" : "?") + "f=html" : href
                html += "<li><a href=\"\(HTMLText.escape(target))\">\(HTMLText.escape(link["title"] as? String ?? link["rel"] as? String ?? href))</a> (\(HTMLText.escape(link["rel"] as? String ?? "")))</li>"
            }
            html += "</ul>"
        }
        return html + "</body></html>"
    }

    /// Features as a table: id, geometry type, then the properties of the first feature.
    static func table(_ features: [[String: Any]]) -> String {
        let keys = ((features.first?["properties"] as? [String: Any])?.keys.sorted() ?? []).prefix(24)
        var html = "<table><tr><th>id</th><th>geometry</th>" + keys.map { "<th>\(HTMLText.escape($0))</th>" }.joined() + "</tr>"
        for feature in features {
            let properties = feature["properties"] as? [String: Any] ?? [:]
            html += "<tr><td>\(HTMLText.escape("\(feature["id"] ?? "")"))</td><td>\(HTMLText.escape((feature["geometry"] as? [String: Any])?["type"] as? String ?? ""))</td>"
            for key in keys {
                let value = properties[key].map { $0 is NSNull ? "" : "\($0)" } ?? ""
                html += "<td>\(HTMLText.escape(value))</td>"
            }
            html += "</tr>"
        }
        return html + "</table>"
    }
}
