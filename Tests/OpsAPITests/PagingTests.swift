import Foundation
import HTTPTypes
import HummingbirdTesting
import OpsAPI
import Postgres
import XCTest

/// Keyset paging, offsets, counts, formats, search, provenance and conditional requests.
final class PagingTests: XCTestCase {
    func testFollowingCursorsReadsEveryRowOnceInOrder() async throws {
        let fixture = try APIFixture.get()
        let connection = try fixture.database.connect()
        defer { connection.close() }
        let total = try connection.query("SELECT count(*) AS n FROM core.person")[0].decode(Int.self, "n")
        let births = try connection.query("SELECT count(*) AS n FROM core.person WHERE birth_date IS NULL")[0].decode(Int.self, "n")
        try await withAPI(fixture) { client, _ in
            var uri = "/v1/views/core.person?limit=1000&select=person_id,birth_date&count=exact"
            var seen: [String] = []
            var pages = 0
            while true {
                let response = try await client.execute(uri: uri, method: .get, headers: fixture.headers(.analyst))
                XCTAssertEqual(response.status, .ok, response.text)
                let body = try response.json()
                if pages == 0 { XCTAssertEqual(body["count"] as? Int, total) }
                seen += (body["rows"] as? [[String: Any]] ?? []).compactMap { $0["person_id"] as? String }
                pages += 1
                guard let next = body["next"] as? String else {
                    XCTAssertNil(response.headers[HTTPField.Name("Link")!])
                    break
                }
                XCTAssertEqual(response.headers[HTTPField.Name("Link")!], "<\(next)>; rel=\"next\"")
                uri = next
            }
            XCTAssertEqual(seen.count, total)
            XCTAssertEqual(Set(seen).count, total, "no row twice")
            XCTAssertEqual(pages, (total + 999) / 1000)
            // Ordered by a nullable shaped column descending, then the key: the same set, with NULLs first.
            var ordered: [Int?] = []
            uri = "/v1/views/core.person?limit=3000&select=birth_date&order=birth_date.desc"
            while true {
                let body = try await client.execute(uri: uri, method: .get, headers: fixture.headers(.analyst)).json()
                ordered += (body["rows"] as? [[String: Any]] ?? []).map { $0["birth_date"] as? Int }
                guard let next = body["next"] as? String else { break }
                uri = next
            }
            XCTAssertEqual(ordered.count, total)
            XCTAssertEqual(ordered.prefix(births).filter { $0 != nil }.count, 0, "NULLs first, as DESC puts them")
            let years = ordered.compactMap { $0 }
            XCTAssertEqual(years, years.sorted(by: >))
            // offset pages equal cursor pages.
            guard seen.count > 1005 else { return }
            let byOffset = try await client.execute(uri: "/v1/views/core.person?limit=5&offset=1000&select=person_id", method: .get, headers: fixture.headers(.analyst)).json()
            XCTAssertEqual((byOffset["rows"] as? [[String: Any]] ?? []).compactMap { $0["person_id"] as? String }, Array(seen[1000..<1005]))
        }
    }

    func testTextIsOrderedForItsReaderInVietnameseWhileTheDatabaseSortsBytewise() async throws {
        let fixture = try APIFixture.get()
        let connection = try fixture.database.connect()
        defer { connection.close() }
        func names(_ collation: String) throws -> [String] {
            try connection.query(
                "SELECT name FROM core.enterprise ORDER BY name COLLATE \"\(collation)\" NULLS LAST, tax_code"
            ).map { try $0.decode(String?.self, "name") ?? "" }
        }
        let vietnamese = try names("vi-VN-x-icu")
        XCTAssertNotEqual(vietnamese, try names("C"), "the enterprises' names sort differently bytewise (the test needs them to)")
        XCTAssertEqual(
            try connection.query("SELECT datcollate FROM pg_database WHERE datname = current_database()")[0].decode(String.self, "datcollate"), "C")
        try await withAPI(fixture) { client, _ in
            var uri = "/v1/views/core.enterprise?limit=700&select=name&order=name"
            var seen: [String] = []
            while true {
                let response = try await client.execute(uri: uri, method: .get, headers: fixture.headers(.analyst))
                XCTAssertEqual(response.status, .ok, response.text)
                let body = try response.json()
                seen += (body["rows"] as? [[String: Any]] ?? []).map { $0["name"] as? String ?? "" }
                guard let next = body["next"] as? String else { break }
                uri = next
            }
            XCTAssertEqual(seen, vietnamese, "in Vietnamese order (Đ after D, lower and upper case together), across cursor pages")
        }
    }

    func testFormatsFiltersSearchAndProvenance() async throws {
        let fixture = try APIFixture.get()
        let connection = try fixture.database.connect()
        defer { connection.close() }
        let ward = try connection.query("SELECT ward_code, ward_name FROM integrated.commune_profile ORDER BY ward_code LIMIT 1")[0]
        let code = try ward.decode(String.self, "ward_code")
        let name = try ward.decode(String.self, "ward_name")
        try await withAPI(fixture) { client, _ in
            let view = "/v1/views/integrated.commune_profile"
            let csv = try await client.execute(uri: "\(view)?select=ward_code,ward_name&ward_code=eq.\(code)", method: .get, headers: fixture.headers(.viewer, accept: "text/csv"))
            XCTAssertEqual(csv.headers[.contentType], "text/csv; charset=utf-8")
            XCTAssertEqual(csv.text, "ward_code,ward_name\r\n\(code),\(name)\r\n")
            let ndjson = try await client.execute(uri: "\(view)?select=ward_code&limit=3&format=ndjson", method: .get, headers: fixture.headers(.viewer))
            XCTAssertEqual(ndjson.text.split(separator: "\n").count, 3)
            let geojson = try await client.execute(uri: "\(view)?limit=2&format=geojson", method: .get, headers: fixture.headers(.viewer)).json()
            XCTAssertEqual(geojson["type"] as? String, "FeatureCollection")
            let feature = (geojson["features"] as? [[String: Any]])?.first
            XCTAssertEqual((feature?["geometry"] as? [String: Any])?["type"] as? String, "MultiPolygon")
            XCTAssertNotNil((feature?["properties"] as? [String: Any])?["population"])
            XCTAssertNil((feature?["properties"] as? [String: Any])?["geom"])
            // Filters: in, not, is, like; and the Vietnamese-aware search (no diacritics, old tone placement, NFD).
            let listed = try await client.execute(uri: "\(view)?select=ward_code&ward_code=in.(\(code),00000)", method: .get, headers: fixture.headers(.viewer)).json()
            XCTAssertEqual((listed["rows"] as? [Any])?.count, 1)
            let negated = try await client.execute(uri: "\(view)?select=ward_code&ward_code=not.eq.\(code)&limit=200", method: .get, headers: fixture.headers(.viewer)).json()
            XCTAssertEqual((negated["rows"] as? [Any])?.count, 98)
            // "vu ninh", "VŨ NINH", and "Vũ Ninh" written decomposed (NFD) all find Phường Vũ Ninh.
            for query in ["vu%20ninh", "V%C5%A8%20NINH", "Vu%CC%83%20Ninh"] {
                let found = try await client.execute(uri: "\(view)?select=ward_name&q=\(query)&limit=200", method: .get, headers: fixture.headers(.viewer)).json()
                let names = (found["rows"] as? [[String: Any]] ?? []).compactMap { $0["ward_name"] as? String }
                XCTAssertEqual(names, ["Phường Vũ Ninh"], "q=\(query)")
            }
            let hoa = try await client.execute(uri: "/v1/views/core.admin_unit?select=ward_name&q=ho%C3%A0&limit=10000", method: .get, headers: fixture.headers(.viewer)).json()
            let hoa2 = try await client.execute(uri: "/v1/views/core.admin_unit?select=ward_name&q=h%C3%B2a&limit=10000", method: .get, headers: fixture.headers(.viewer)).json()
            XCTAssertEqual((hoa["rows"] as? [Any])?.count, (hoa2["rows"] as? [Any])?.count, "hoà and hòa find the same")
            XCTAssertGreaterThan((hoa["rows"] as? [Any])?.count ?? 0, 0)
            // Provenance and a conditional request.
            let page = try await client.execute(uri: "\(view)?limit=5", method: .get, headers: fixture.headers(.viewer))
            let run = try connection.query("SELECT run_id FROM citypipe.model_runs WHERE model = 'integrated.commune_profile' AND status = 'succeeded' ORDER BY model_run_id DESC LIMIT 1")[0].decode(Int.self, "run_id")
            XCTAssertEqual(page.headers[HTTPField.Name("X-CityPipe-Run")!], String(run))
            XCTAssertNotNil(page.headers[HTTPField.Name("X-CityPipe-As-Of")!])
            XCTAssertEqual(page.headers[.vary], "Authorization, Accept")
            XCTAssertTrue(page.headers[.cacheControl]?.contains("private") == true)
            let tag = try XCTUnwrap(page.headers[.eTag])
            var conditional = fixture.headers(.viewer)
            conditional[.ifNoneMatch] = tag
            let notModified = try await client.execute(uri: "\(view)?limit=5", method: .get, headers: conditional)
            XCTAssertEqual(notModified.status, .notModified)
            XCTAssertEqual(notModified.body.readableBytes, 0)
            let other = try await client.execute(uri: "\(view)?limit=5", method: .get, headers: fixture.headers(.analyst))
            XCTAssertNotEqual(other.headers[.eTag], tag, "the ETag depends on the role")
        }
    }

    func testACSVExportStreamsEveryRow() async throws {
        let fixture = try APIFixture.get()
        let connection = try fixture.database.connect()
        defer { connection.close() }
        let total = try connection.query("SELECT count(*) AS n FROM core.person")[0].decode(Int.self, "n")
        try await withAPI(fixture) { client, _ in
            let export = try await client.execute(uri: "/v1/views/core.person?limit=all&format=csv", method: .get, headers: fixture.headers(.analyst))
            XCTAssertEqual(export.status, .ok)
            let lines = export.text.split(separator: "\r\n")
            XCTAssertEqual(lines.count, total + 1, "a header and every row")
            XCTAssertTrue(lines.first?.hasPrefix("person_id,cccd,cmnd,birth_date") == true, String(lines.first ?? ""))
            // A value its column cannot hold is a 400 before anything is sent, not a 200 cut short.
            let refused = try await client.execute(uri: "/v1/views/core.person?limit=all&format=csv&updated_at=eq.notadate", method: .get, headers: fixture.headers(.analyst))
            XCTAssertEqual(refused.status, .badRequest, refused.text)
            let badCursor = try await client.execute(uri: "/v1/views/core.person?limit=all&format=ndjson&cursor=0", method: .get, headers: fixture.headers(.analyst))
            XCTAssertEqual(badCursor.status, .badRequest, badCursor.text)
            // An empty export is a header alone.
            let none = try await client.execute(uri: "/v1/views/core.person?limit=all&format=csv&sex=eq.9", method: .get, headers: fixture.headers(.analyst))
            XCTAssertEqual(none.status, .ok)
            XCTAssertEqual(none.text.split(separator: "\r\n").count, 1)
        }
    }
}
