import Foundation
import Hummingbird

/// `GET /openapi.json` and `GET /openapi.yaml` (the same document: JSON is YAML 1.2).
struct OpenAPIRoute: Sendable {
    func json(request: Request) throws -> Response {
        try respond(request, type: "application/vnd.oai.openapi+json;version=3.0")
    }

    func yaml(request: Request) throws -> Response {
        try respond(request, type: "application/yaml")
    }

    private func respond(_ request: Request, type: String) throws -> Response {
        try StatusRoutes.noParameters(request, except: [])
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.cacheControl] = "public, max-age=300"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(data: try OpenAPIDocument.data())))
    }
}
