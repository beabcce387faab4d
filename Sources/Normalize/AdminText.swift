/// The kind of administrative unit a prefix ("P.", "Xã", "TX", "Tỉnh"…) announces.
enum AdminPrefix: Sendable, Equatable {
    /// Phường.
    case ward
    /// Xã.
    case commune
    /// Thị trấn.
    case townlet
    /// Đặc khu (2025 island special zones).
    case specialZone
    /// Quận, huyện, thị xã (district level before 2025).
    case district
    /// Thành phố: a district-level city or a centrally-governed one (province level).
    case city
    /// Tỉnh.
    case province

    /// Whether the prefix names a commune-level unit.
    var isCommuneLevel: Bool {
        switch self {
        case .ward, .commune, .townlet, .specialZone: return true
        default: return false
        }
    }

    /// The commune-level kind for a reference `ward_type` value.
    static func communeLevel(_ wardType: String) -> AdminPrefix {
        switch wardType {
        case "Phường": return .ward
        case "Thị trấn": return .townlet
        case "Xã": return .commune
        default: return wardType.hasPrefix("Đặc khu") ? .specialZone : .commune
        }
    }
}

/// One comma-separated part of an address as tokens over two UTF-8 buffers: canonical lower case (NFC, modern tone
/// placement) and folded ASCII. Tokens `lo..<hi` of the buffers are the component (dropping a prefix or splitting
/// only moves the window, the buffers are shared).
struct AdminComponent: Sendable {
    private let accent: [UInt8]
    private let accentTokens: [Range<Int>]
    private let fold: [UInt8]
    private let foldTokens: [Range<Int>]
    private let lo: Int
    private let hi: Int
    /// The text carried a tone, a vowel modifier or đ.
    let hasDiacritics: Bool

    init(_ text: some StringProtocol) {
        let (out, accentOut, foldBytes) = VietnameseText.processBytes(
            String(text), case: .lower, punctuation: .asSpace)
        let f = AdminComponent.tokens(foldBytes)
        var a = AdminComponent.tokens(accentOut)
        var accentBytes = accentOut
        if a.count != f.count || out.foreign {
            accentBytes = foldBytes
            a = f
        }
        accent = accentBytes
        accentTokens = a
        fold = foldBytes
        foldTokens = f
        lo = 0
        hi = f.count
        hasDiacritics = out.hasDiacritics
    }

    private init(_ base: AdminComponent, lo: Int, hi: Int) {
        accent = base.accent
        accentTokens = base.accentTokens
        fold = base.fold
        foldTokens = base.foldTokens
        self.lo = lo
        self.hi = hi
        hasDiacritics = base.hasDiacritics
    }

    private static func tokens(_ bytes: [UInt8]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var start = -1
        for (i, b) in bytes.enumerated() {
            if b == 0x20 {
                if start >= 0 { out.append(start..<i); start = -1 }
            } else if start < 0 {
                start = i
            }
        }
        if start >= 0 { out.append(start..<bytes.count) }
        return out
    }

    var isEmpty: Bool { hi <= lo }
    var count: Int { hi - lo }

    /// Whether folded token `i` (0 = first of the window) is `word`.
    private func token(_ i: Int, is word: StaticString) -> Bool {
        guard lo + i < hi else { return false }
        let r = foldTokens[lo + i]
        guard r.count == word.utf8CodeUnitCount else { return false }
        return word.withUTF8Buffer { w in
            var k = 0
            for b in fold[r] {
                if b != w[k] { return false }
                k += 1
            }
            return true
        }
    }

    /// The leading type prefix and how many tokens it takes.
    var prefix: (AdminPrefix, Int)? {
        guard !isEmpty else { return nil }
        if count >= 2 {
            if token(0, is: "thi") {
                if token(1, is: "tran") { return (.townlet, 2) }
                if token(1, is: "xa") { return (.district, 2) }
            } else if token(0, is: "thanh") && token(1, is: "pho") {
                return (.city, 2)
            } else if token(0, is: "dac") && token(1, is: "khu") {
                return (.specialZone, 2)
            }
        }
        if token(0, is: "phuong") || token(0, is: "p") { return (.ward, 1) }
        if token(0, is: "xa") || token(0, is: "x") { return (.commune, 1) }
        if token(0, is: "tt") { return (.townlet, 1) }
        if token(0, is: "quan") || token(0, is: "q") || token(0, is: "huyen") || token(0, is: "h") || token(0, is: "tx") {
            return (.district, 1)
        }
        if token(0, is: "tp") || token(0, is: "thanhpho") { return (.city, 1) }
        if token(0, is: "tinh") { return (.province, 1) }
        if token(0, is: "tphcm") { return (.city, 0) }
        return nil
    }

    /// The same component without its first `n` tokens.
    func dropping(_ n: Int) -> AdminComponent { AdminComponent(self, lo: min(hi, lo + n), hi: hi) }

    /// Spaceless keys (so "M'ri", "M ri" and "Mri" agree); numbers without leading zeros ("Phường 01" = "Phường 1").
    var accentKey: String { AdminComponent.join(accent, accentTokens[lo..<hi]) }
    var foldKey: String { AdminComponent.join(fold, foldTokens[lo..<hi]) }

    private static func join(_ bytes: [UInt8], _ tokens: ArraySlice<Range<Int>>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        for r in tokens {
            var start = r.lowerBound
            if bytes[r].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
                while start < r.upperBound - 1 && bytes[start] == 0x30 { start += 1 }
            }
            out.append(contentsOf: bytes[start..<r.upperBound])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Splits free text into components at commas, semicolons, pipes and new lines (not at hyphens: "Phường Văn
    /// Miếu - Quốc Tử Giám", "Tỉnh Bà Rịa - Vũng Tàu").
    static func split(_ text: String) -> [AdminComponent] {
        var out: [AdminComponent] = []
        for part in text.utf8.split(whereSeparator: { $0 == 0x2C || $0 == 0x3B || $0 == 0x7C || $0 == 0x0A }) {
            let c = AdminComponent(Substring(part))
            if !c.isEmpty { out.append(c) }
        }
        return out
    }

    /// Splits one component holding several units ("Phường Vũ Ninh Thành phố Bắc Ninh") before every type prefix
    /// after the first token.
    func splitAtPrefixes() -> [AdminComponent] {
        var cuts: [Int] = [lo]
        var i = lo + 1
        while i < hi {
            let rest = AdminComponent(self, lo: i, hi: hi)
            if rest.prefix != nil, i + 1 < hi || rest.token(0, is: "tphcm") {
                cuts.append(i)
                i += 2
            } else {
                i += 1
            }
        }
        guard cuts.count > 1 else { return [self] }
        cuts.append(hi)
        return (0..<(cuts.count - 1)).map { AdminComponent(self, lo: cuts[$0], hi: cuts[$0 + 1]) }
    }
}
