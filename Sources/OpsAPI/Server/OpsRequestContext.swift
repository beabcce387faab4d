import Hummingbird
import Logging

/// The request context of the API: Hummingbird's core context, the authenticated caller, and an id that the
/// access log and the audit log share.
public struct OpsRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by the authentication middleware for routes that need a token.
    public var caller: Caller?
    public var requestID: String

    public init(source: Source) {
        coreContext = .init(source: source)
        caller = nil
        requestID = OpsRequestContext.newID()
    }

    /// The caller, or 401 when the route was reached without one.
    func requireCaller() throws(APIError) -> Caller {
        guard let caller else { throw .unauthorized("send a bearer token: Authorization: Bearer cp_…") }
        return caller
    }

    /// The caller when its role is one of `roles`, else 403 naming the roles that may.
    func require(_ roles: Role..., for action: String) throws(APIError) -> Caller {
        let caller = try requireCaller()
        guard roles.contains(caller.role) else {
            throw .forbidden("\(action) needs the \(roles.map(\.rawValue).joined(separator: " or ")) role; this token is \(caller.role.rawValue)")
        }
        return caller
    }

    static func newID() -> String {
        var generator = SystemRandomNumberGenerator()
        let value = generator.next() as UInt64
        return String(value, radix: 16)
    }
}
