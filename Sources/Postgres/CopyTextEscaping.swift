/// PostgreSQL COPY text escaping: backslash, tab, newline, carriage return, vertical tab, backspace and form feed
/// written as their backslash escapes; a NUL byte cannot be stored. One implementation for `CopyInWriter` and for
/// writers that build COPY rows themselves (the ingest's page writer).
public enum CopyTextEscaping {
    /// Appends `bytes` escaped to `out`; false (and nothing appended past the NUL) when they hold a NUL byte.
    @inlinable
    public static func append(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) -> Bool {
        var start = 0
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            if byte > 13 && byte != 92 {
                index += 1
                continue
            }
            let replacement: UInt8
            switch byte {
            case 92: replacement = 92  // backslash
            case 9: replacement = 116  // \t
            case 10: replacement = 110  // \n
            case 13: replacement = 114  // \r
            case 11: replacement = 118  // \v
            case 8: replacement = 98  // \b
            case 12: replacement = 102  // \f
            case 0: return false
            default:
                index += 1
                continue
            }
            if index > start { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start..<index])) }
            out.append(92)
            out.append(replacement)
            index += 1
            start = index
        }
        if count > start { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start..<count])) }
        return true
    }
}
