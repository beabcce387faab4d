import XCTest

@testable import Normalize

/// One row of a table-driven test: an input and either the canonical value or the failure code.
struct Case {
    let input: String
    let value: String?
    let key: String?
    let failure: FailureCode?
    let context: NormalizationContext
    let line: UInt

    static func ok(_ input: String, _ value: String, key: String? = nil, _ context: NormalizationContext = .init(), line: UInt = #line) -> Case {
        Case(input: input, value: value, key: key, failure: nil, context: context, line: line)
    }

    static func fail(_ input: String, _ code: FailureCode, _ context: NormalizationContext = .init(), line: UInt = #line) -> Case {
        Case(input: input, value: nil, key: nil, failure: code, context: context, line: line)
    }
}

/// Runs a table through the generic entry point; checks values, keys, failure codes, and that no failure reason
/// quotes the input (personal data must not reach logs).
func runTable(_ semantic: Semantic, _ table: [Case], minimum: Int = 40, file: StaticString = #filePath) {
    XCTAssertGreaterThanOrEqual(table.count, minimum, "table of \(semantic.rawValue) too small", file: file)
    for c in table {
        let result = normalize(c.input, as: semantic, context: c.context)
        switch (result, c.failure) {
        case (.success(let n), nil):
            XCTAssertEqual(n.value, c.value, "value of \(c.input)", file: file, line: c.line)
            if let key = c.key { XCTAssertEqual(n.key, key, "key of \(c.input)", file: file, line: c.line) }
        case (.failure(let f), let code?):
            XCTAssertEqual(f.code, code, "failure code of \(c.input): \(f.reason)", file: file, line: c.line)
            XCTAssertFalse(f.reason.isEmpty, file: file, line: c.line)
            let trimmed = c.input.trimmingCharacters(in: .whitespaces)
            if trimmed.count >= 3 {
                XCTAssertFalse(f.reason.contains(trimmed), "reason quotes the input: \(f.reason)", file: file, line: c.line)
            }
        case (.success(let n), let code?):
            XCTFail("\(c.input): expected \(code.rawValue), got \(n.value)", file: file, line: c.line)
        case (.failure(let f), nil):
            XCTFail("\(c.input): expected \(c.value ?? ""), got \(f)", file: file, line: c.line)
        }
    }
}

func day(_ y: Int, _ m: Int, _ d: Int) -> CivilDate {
    CivilDate(year: y, month: m, day: d) ?? CivilDate(daysSince1970: 0)
}
