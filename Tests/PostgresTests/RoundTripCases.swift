/// Text values that every path into and out of PostgreSQL must keep byte for byte.
enum RoundTripCases {
    static let texts: [(String, String?)] = [
        ("Vietnamese NFC", "Nguyễn Thị Hoà, Phường Vũ Ninh, Tỉnh Bắc Ninh"),
        ("Vietnamese NFD", "Nguye\u{0302}\u{0303}n Thi\u{0323} Hoa\u{0300}"),
        ("old tone placement", "Hòa Thuỷ Khoẻ"),
        ("emoji", "🏙️ CityPipe 👩🏽‍💻 🇻🇳"),
        ("tab newline CR", "a\tb\nc\rd\r\ne"),
        ("backslashes", "C:\\Users\\x \\N \\\\ \\t"),
        ("quotes", "it's \"quoted\" `back`"),
        ("control characters", "bell\u{07} vt\u{0B} ff\u{0C} bs\u{08}"),
        ("empty string", ""),
        ("NULL", nil),
        ("literal backslash-N", "\\N"),
        ("spaces only", "   "),
        ("long line", String(repeating: "Đ", count: 10_000)),
    ]
}
