import Foundation
import HTTPTypes
import Hummingbird

/// An error the API answers with: a status, a stable code, and a message that says what was wrong and what to
/// do. Its JSON body is `{"error": {"status": 400, "code": "unknown_parameter", "message": "…"}}`.
///
/// Messages name parameters, columns and views, never a value from the request (a filter value may be a
/// citizen ID) nor a value from the database.
public struct APIError: Error, HTTPResponseError, CustomStringConvertible, Sendable {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String
    /// Extra response headers (`WWW-Authenticate`, `Allow`, `Retry-After`).
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        response()
    }

    /// The response, without a request (used by middleware).
    public func response() -> Response {
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        fields[.cacheControl] = "no-store"
        var body = JSONOutput()
        body.object { o in
            o.key("error")
            o.object { e in
                e.field("status", Int(status.code))
                e.field("code", code)
                e.field("message", message)
            }
        }
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body.bytes)))
    }

    // MARK: - The errors the API answers with

    static func badRequest(_ code: String, _ message: String) -> APIError { APIError(.badRequest, code, message) }

    static func notFound(_ message: String) -> APIError { APIError(.notFound, "not_found", message) }

    static func unauthorized(_ message: String) -> APIError {
        APIError(.unauthorized, "unauthorized", message,
                 headers: [.wwwAuthenticate: "Bearer realm=\"citypipe\", error=\"invalid_token\""])
    }

    static func forbidden(_ message: String) -> APIError { APIError(.forbidden, "forbidden", message) }

    static func conflict(_ message: String) -> APIError { APIError(.conflict, "conflict", message) }

    static func unavailable(_ message: String) -> APIError {
        APIError(.serviceUnavailable, "unavailable", message, headers: [.retryAfter: "5"])
    }

    static func internalError(_ message: String) -> APIError { APIError(.internalServerError, "internal", message) }
}
