import Hummingbird

/// Building responses, with the faults that touch the transport (429, 503, slow, truncated bodies).
enum Responses {
    static func json(_ status: HTTPResponse.Status, _ text: String, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func error(_ status: HTTPResponse.Status, _ code: String, _ message: String, headers: HTTPFields = [:])
        -> Response
    {
        var body = ByteBuffer()
        body.writeStaticString("{\"error\":")
        body.writeJSONString(code)
        body.writeStaticString(",\"error_description\":")
        body.writeJSONString(message)
        body.writeStaticString("}")
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: fields, body: .init(byteBuffer: body))
    }

    /// The answer to a fault that replaces the response, or nil when the request goes on.
    static func rejection(for fault: Fault) -> Response? {
        switch fault {
        case .tooManyRequests:
            var headers: HTTPFields = [:]
            headers[.retryAfter] = "1"
            return error(.tooManyRequests, "rate_limited", "too many requests; retry after 1 s", headers: headers)
        case .unavailable:
            return error(.serviceUnavailable, "unavailable", "the service is temporarily unavailable")
        default:
            return nil
        }
    }

    /// A successful body, delayed or truncated as the fault says.
    static func body(_ buffer: ByteBuffer, contentType: String, fault: Fault, headers: HTTPFields = [:]) async throws
        -> Response
    {
        var fields = headers
        fields[.contentType] = contentType
        switch fault {
        case .slow(let ms):
            try await Task.sleep(for: .milliseconds(ms))
        case .truncated(let chunked):
            let cut = buffer.getSlice(at: buffer.readerIndex, length: buffer.readableBytes / 2) ?? ByteBuffer()
            let total = buffer.readableBytes
            if !chunked { fields[.contentLength] = String(total) }
            return Response(
                status: .ok, headers: fields,
                body: ResponseBody { writer in
                    try await writer.write(cut)
                    throw TruncatedBody()
                })
        default:
            break
        }
        return Response(status: .ok, headers: fields, body: .init(byteBuffer: buffer))
    }
}
