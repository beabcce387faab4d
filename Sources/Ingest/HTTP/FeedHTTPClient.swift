import AsyncHTTPClient
import NIOCore

extension HTTPClient {
    /// The client feed loads use by default: `HTTPClient.shared`'s browser-like settings, except that a refused
    /// or failed connection comes back at once instead of being retried by the connection pool until the
    /// request's deadline (a source that is down cost 60 s per attempt). Our `RetryPolicy` retries network
    /// errors itself, with backoff and a bounded number of attempts, and says so in `feed_runs.retries`.
    public static let feeds: HTTPClient = {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(15)
        // Lives as long as the process (like `HTTPClient.shared`), so it is never shut down.
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()
}
