import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Runs around every request: authenticates the bearer token (routes under `/v1` need one), turns every error
/// into its JSON answer (never a stack trace, never a value), counts the request in the metrics, and writes one
/// access-log line: route template, status, duration, token name. No path, query value or personal data.
struct OpsMiddleware: RouterMiddleware {
    typealias Context = OpsRequestContext
    let service: OpsService

    /// Routes answered without a token.
    static func isPublic(_ path: String) -> Bool {
        // The dashboard and its login form authenticate themselves (a cookie or the header).
        ["/health", "/ready", "/metrics", "/openapi.json", "/openapi.yaml", "/", "/login", "/logout"].contains(path)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = DispatchTime.now().uptimeNanoseconds
        var context = context
        var response: Response
        do {
            if !OpsMiddleware.isPublic(request.uri.path) {
                context.caller = try await authenticate(request)
            }
            response = try await next(request, context)
        } catch let error as APIError {
            response = error.response()
        } catch let error as HTTPError {
            response = APIError(error.status, error.status == .notFound ? "not_found" : "http_error",
                                error.status == .notFound ? "no such route (GET /openapi.json lists them)" : (error.body ?? error.status.reasonPhrase)).response()
        } catch {
            let mapped = APIError.from(error, doing: "the request")
            service.logger.error("request failed", metadata: ["route": "\(context.endpointPath ?? "unmatched")", "error": "\(mapped.message)"])
            response = mapped.response()
        }
        response.headers[HTTPField.Name("X-Request-Id")!] = context.requestID
        let route = context.endpointPath ?? "unmatched"
        let elapsed = DispatchTime.now().uptimeNanoseconds - started
        service.metrics.request(route: route, method: request.method.rawValue, status: Int(response.status.code), nanoseconds: elapsed)
        service.logger.info("request", metadata: [
            "method": "\(request.method.rawValue)", "route": "\(route)", "status": "\(response.status.code)",
            "ms": "\(Double(elapsed / 10_000) / 100)", "token": "\(context.caller?.tokenName ?? "-")", "request_id": "\(context.requestID)",
        ])
        return response
    }

    private func authenticate(_ request: Request) async throws -> Caller {
        guard let header = request.headers[.authorization] else {
            throw APIError.unauthorized("send a bearer token: Authorization: Bearer cp_… (citypipe token create makes one)")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer", parts[1].hasPrefix("cp_"), parts[1].count <= 128 else {
            throw APIError.unauthorized("Authorization must be Bearer followed by a CityPipe token (cp_…)")
        }
        guard let caller = try await service.caller(token: String(parts[1])) else {
            throw APIError.unauthorized("the token is unknown, revoked or expired")
        }
        return caller
    }
}
