import Foundation
import Metrics
import Prometheus

/// The API's metrics in Prometheus text: requests by route template and status, a latency histogram per route,
/// rows streamed per view, and, read when scraped, the pool's connections in use and waiters, each feed's lag
/// and the last run's status. Route templates, never paths: no value of a request becomes a label.
final class OpsMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory

    init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
            .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
            .seconds(1), .seconds(2.5), .seconds(10), .seconds(30),
        ]
        self.factory = factory
    }

    func request(route: String, method: String, status: Int, nanoseconds: UInt64) {
        Counter(label: "citypipe_http_requests_total", dimensions: [("route", route), ("method", method), ("status", String(status))], factory: factory)
            .increment()
        Metrics.Timer(label: "citypipe_http_request_duration_seconds", dimensions: [("route", route)], factory: factory)
            .recordNanoseconds(Int64(clamping: nanoseconds))
    }

    func rowsStreamed(view: String, count: Int) {
        Counter(label: "citypipe_rows_streamed_total", dimensions: [("view", view)], factory: factory).increment(by: count)
    }

    func audited(count: Int) {
        Counter(label: "citypipe_audit_rows_total", factory: factory).increment(by: count)
    }

    func gauge(_ name: String, _ labels: [(String, String)] = [], value: Double) {
        Gauge(label: name, dimensions: labels, factory: factory).record(value)
    }

    func text() -> String { registry.emitToString() }
}
