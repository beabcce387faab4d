/// Decodes one row of PostgreSQL's COPY text format into its fields.
public enum CopyTextDecoder {
    /// Splits a row on tabs and undoes the escapes; `\N` becomes nil. A trailing newline is ignored.
    public static func fields(of row: UnsafeRawBufferPointer) -> [String?] {
        var fields: [String?] = []
        var current: [UInt8] = []
        var isNull = false
        var index = 0
        var count = row.count
        if count > 0, row[count - 1] == 10 { count -= 1 }
        while index < count {
            let byte = row[index]
            if byte == 9 {
                fields.append(isNull ? nil : String(decoding: current, as: UTF8.self))
                current.removeAll(keepingCapacity: true)
                isNull = false
                index += 1
                continue
            }
            if byte == 92, index + 1 < count {
                let next = row[index + 1]
                index += 2
                switch next {
                case 78: isNull = true  // \N
                case 116: current.append(9)
                case 110: current.append(10)
                case 114: current.append(13)
                case 98: current.append(8)
                case 102: current.append(12)
                case 118: current.append(11)
                case 48...55:
                    // Octal: up to three digits.
                    var value = Int(next - 48)
                    var digits = 1
                    while digits < 3, index < count, row[index] >= 48, row[index] <= 55 {
                        value = value * 8 + Int(row[index] - 48)
                        index += 1
                        digits += 1
                    }
                    current.append(UInt8(truncatingIfNeeded: value))
                case 120:
                    // Hex: \xD or \xDD.
                    var value = 0
                    var digits = 0
                    while digits < 2, index < count, let v = hex(row[index]) {
                        value = value * 16 + v
                        index += 1
                        digits += 1
                    }
                    if digits == 0 { current.append(120) } else { current.append(UInt8(value)) }
                default: current.append(next)
                }
                continue
            }
            current.append(byte)
            index += 1
        }
        fields.append(isNull ? nil : String(decoding: current, as: UTF8.self))
        return fields
    }

    private static func hex(_ byte: UInt8) -> Int? {
        switch byte {
        case 48...57: return Int(byte - 48)
        case 97...102: return Int(byte - 87)
        case 65...70: return Int(byte - 55)
        default: return nil
        }
    }
}
