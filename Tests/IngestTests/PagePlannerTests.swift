import Ingest
import Manifest
import XCTest

final class PagePlannerTests: XCTestCase {
    let request = RequestSpec(url: "http://127.0.0.1:9/v1/citizens", parameters: ["province": "24"])

    func testCursorPaginationWithAnIncrementalWindow() throws {
        let planner = PagePlanner(
            request: request,
            pagination: .cursor(CursorPagination(cursorPath: try DocumentPath(parsing: "meta.next_cursor"), cursorParameter: "cursor", pageSize: 1000, pageSizeParameter: "limit")),
            windowParameters: [("updated_since", "2025-07-01T00:00:00+07:00")])
        XCTAssertEqual(planner.firstURL(), "http://127.0.0.1:9/v1/citizens?province=24&updated_since=2025-07-01T00%3A00%3A00%2B07%3A00&limit=1000")
        XCTAssertEqual(
            planner.nextURL(afterPage: 0, outcome: .init(records: 1000, cursorToken: "abc=")),
            "http://127.0.0.1:9/v1/citizens?province=24&updated_since=2025-07-01T00%3A00%3A00%2B07%3A00&cursor=abc%3D&limit=1000")
        XCTAssertNil(planner.nextURL(afterPage: 3, outcome: .init(records: 17, cursorToken: nil)))
    }

    func testOffsetAndPageNumberStopAtAShortPage() {
        let offset = PagePlanner(request: request, pagination: .offsetLimit(OffsetLimitPagination(pageSize: 100)))
        XCTAssertEqual(offset.firstURL(), "http://127.0.0.1:9/v1/citizens?province=24&offset=0&limit=100")
        XCTAssertEqual(offset.nextURL(afterPage: 1, outcome: .init(records: 100)), "http://127.0.0.1:9/v1/citizens?province=24&offset=200&limit=100")
        XCTAssertNil(offset.nextURL(afterPage: 2, outcome: .init(records: 99)))
        let pages = PagePlanner(request: request, pagination: .pageNumber(PageNumberPagination(pageSize: 50, pageSizeParameter: "size")))
        XCTAssertEqual(pages.nextURL(afterPage: 0, outcome: .init(records: 50)), "http://127.0.0.1:9/v1/citizens?province=24&page=2&size=50")
    }

    func testNextURLFromTheBodyOrTheLinkHeader() {
        let body = PagePlanner(request: request, pagination: .nextURL(NextURLPagination(from: .body)))
        XCTAssertEqual(body.nextURL(afterPage: 0, outcome: .init(records: 3, nextURL: "http://x/Things?$skip=100")), "http://x/Things?$skip=100")
        XCTAssertNil(body.nextURL(afterPage: 0, outcome: .init(records: 3, nextURL: nil)))
        let link = PagePlanner(request: request, pagination: .nextURL(NextURLPagination(from: .linkHeader)))
        let header = #"<http://x/items?page=1>; rel="prev", <http://x/items?page=3>; rel="next""#
        XCTAssertEqual(link.nextURL(afterPage: 1, outcome: .init(records: 10, linkHeader: header)), "http://x/items?page=3")
        XCTAssertNil(PagePlanner.nextLink(#"<http://x/items?page=1>; rel="prev""#))
    }
}
