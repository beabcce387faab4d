import Foundation

/// The dashboard's HTML: a page that needs nothing from the network (styles inline, the map inline SVG, no
/// script), in Vietnamese, times in Asia/Ho_Chi_Minh.
struct DashboardPage: Sendable {
    struct Ward: Sendable {
        let code: String
        let name: String
        let value: Double?
        /// SVG path data in Web Mercator metres, y downwards.
        let path: String
    }

    let indicator: Indicator
    let wards: [Ward]
    /// minx, miny, maxx, maxy in Web Mercator metres.
    let extent: (Double, Double, Double, Double)
    let role: Role
    let tokenName: String
    let builtAt: Date?
    let runID: Int64?
    let status: StatusReportLite

    static let style = """
        body{font-family:system-ui,'Segoe UI',Roboto,'Noto Sans',Arial,sans-serif;margin:0;color:#222;background:#f6f6f4}
        header{background:#1d3557;color:#fff;padding:.6rem 1.2rem;display:flex;justify-content:space-between;align-items:center}
        header h1{font-size:1.2rem;margin:0} main{display:grid;grid-template-columns:minmax(0,3fr) minmax(16rem,1fr);gap:1rem;padding:1rem}
        section{background:#fff;border:1px solid #ddd;border-radius:6px;padding:.8rem} h2{font-size:1rem;margin:.2rem 0 .6rem}
        svg.map{width:100%;height:auto;max-height:78vh} svg.map path{stroke:#555;vector-effect:non-scaling-stroke}
        svg.map path{stroke-width:.6px} svg.map path:hover{stroke:#000;stroke-width:2px}
        .legend{list-style:none;padding:0;margin:.6rem 0} .legend li{display:flex;align-items:center;gap:.5rem;margin:.15rem 0;font-size:.9rem}
        .swatch{display:inline-block;width:1.4rem;height:.9rem;border:1px solid #999}
        table{border-collapse:collapse;width:100%;font-size:.85rem} td,th{border-bottom:1px solid #eee;padding:.25rem .3rem;text-align:left}
        .ok{color:#1a7f37} .late{color:#b35900} .bad{color:#c62828} form.inline{display:inline} nav a{color:#fff;margin-left:.8rem}
        select,button,input{font:inherit}
        """

    /// A ward's fill: its band's colour for an indicator with fixed bands, its quantile class's otherwise.
    func colour(_ value: Double?, _ classes: Classes) -> String {
        guard let bands = indicator.bands else { return classes.colour(value) }
        guard let value else { return Classes.missing }
        return bands.first { value <= $0.upper }?.colour ?? Classes.missing
    }

    func render() -> String {
        let classes = Classes(values: wards.compactMap(\.value))
        let (x0, y0, x1, y1) = extent
        let width = max(1, x1 - x0), height = max(1, y1 - y0)
        // ST_AsSVG writes y as -y: the box starts at -maxy.
        let viewBox = "\(Int(x0.rounded(.down))) \(Int((-y1).rounded(.down))) \(Int(width.rounded(.up))) \(Int(height.rounded(.up)))"
        var html = """
            <!DOCTYPE html>
            <html lang="vi"><head><meta charset="utf-8"><link rel="icon" href="data:,"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>CityPipe — Bảng điều khiển Bắc Ninh</title><style>\(DashboardPage.style)</style></head><body>
            <header><h1>Trung tâm điều hành — tỉnh Bắc Ninh</h1><div>\(HTMLText.escape(tokenName)) (\(role.rawValue))
            <form class="inline" method="post" action="/logout"><button type="submit">Đăng xuất</button></form></div></header>
            <main><section><h2>\(HTMLText.escape(indicator.label)) theo phường, xã (99 đơn vị sau sắp xếp 2025)</h2>
            <form method="get" action="/"><label>Chỉ tiêu: <select name="indicator">
            """
        for option in Indicator.all {
            html += "<option value=\"\(option.column)\"\(option == indicator ? " selected" : "")>\(HTMLText.escape(option.label))</option>"
        }
        html += "</select></label> <button type=\"submit\">Xem</button></form>\n"
        html += "<svg class=\"map\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"\(viewBox)\" role=\"img\" aria-label=\"\(HTMLText.escape(indicator.label))\">\n"
        for ward in wards {
            let shown = ward.value.map(indicator.format) ?? "không có số liệu"
            html += "<path id=\"w\(HTMLText.escape(ward.code))\" class=\"ward\" fill=\"\(colour(ward.value, classes))\" d=\"\(HTMLText.escape(ward.path))\">"
            html += "<title>\(HTMLText.escape(ward.name)) (\(HTMLText.escape(ward.code))): \(HTMLText.escape(shown))</title></path>\n"
        }
        html += "</svg>\n<ul class=\"legend\">\n"
        if let bands = indicator.bands {
            for band in bands {
                html += "<li><span class=\"swatch\" style=\"background:\(band.colour)\"></span>\(HTMLText.escape(band.label))</li>\n"
            }
        } else {
            var lower = classes.minimum
            for (index, colour) in Classes.colours.enumerated() where !wards.isEmpty {
                let upper = index < classes.breaks.count ? classes.breaks[index] : classes.maximum
                html += "<li><span class=\"swatch\" style=\"background:\(colour)\"></span>\(indicator.format(lower)) – \(indicator.format(upper))</li>\n"
                lower = upper
            }
        }
        html += "<li><span class=\"swatch\" style=\"background:\(Classes.missing)\"></span>không có số liệu (hoặc dưới 5 người, ẩn để bảo vệ dữ liệu cá nhân)</li>\n</ul>\n"
        if let builtAt {
            html += "<p>Số liệu dựng lúc \(DashboardPage.time(builtAt)) (lần chạy #\(runID ?? 0)).</p>"
        }
        html += "</section>\n<aside>\n<section><h2>Độ mới của dữ liệu</h2><table><tr><th>Nguồn</th><th>Lần nạp thành công</th><th>Độ trễ</th></tr>\n"
        for feed in status.feeds {
            let lag = feed.lagSeconds
            let css = lag == nil ? "bad" : (lag ?? 0) > 36 * 3_600 ? "late" : "ok"
            html += "<tr><td>\(HTMLText.escape(feed.feed))</td><td>\(feed.lastSuccess.map(DashboardPage.time) ?? "chưa nạp")</td>"
            html += "<td class=\"\(css)\">\(lag.map(DashboardPage.duration) ?? "—")</td></tr>\n"
        }
        html += "</table></section>\n<section><h2>Các lần chạy gần nhất</h2><table><tr><th>#</th><th>Quy trình</th><th>Bắt đầu</th><th>Kết quả</th></tr>\n"
        for run in status.runs {
            let css = run.status == "succeeded" ? "ok" : run.status == "running" ? "late" : "bad"
            html += "<tr><td>\(run.runID)</td><td>\(HTMLText.escape(run.pipeline))</td><td>\(DashboardPage.time(run.startedAt))</td>"
            html += "<td class=\"\(css)\">\(DashboardPage.outcome(run.status))</td></tr>\n"
        }
        html += "</table></section>\n</aside></main></body></html>\n"
        return html
    }

    static func login(message: String?) -> String {
        """
        <!DOCTYPE html>
        <html lang="vi"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>CityPipe — Đăng nhập</title><style>\(style)</style></head><body>
        <header><h1>Trung tâm điều hành — tỉnh Bắc Ninh</h1></header>
        <main><section><h2>Đăng nhập bằng mã truy cập</h2>\(message.map { "<p class=\"bad\">\(HTMLText.escape($0))</p>" } ?? "")
        <form method="post" action="/login"><label>Mã truy cập: <input type="password" name="token" autocomplete="off" required></label>
        <button type="submit">Đăng nhập</button></form>
        <p>Mã do quản trị viên cấp bằng <code>citypipe token create --role viewer</code>.</p></section></main></body></html>
        """
    }

    static func empty(message: String) -> String {
        "<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\"><link rel=\"icon\" href=\"data:,\"><title>CityPipe</title><style>\(style)</style></head><body><main><section><p>\(HTMLText.escape(message))</p></section></main></body></html>"
    }

    static func time(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "vi_VN")
        formatter.timeZone = TimeZone(identifier: "Asia/Ho_Chi_Minh")
        formatter.dateFormat = "HH:mm dd/MM/yyyy"
        return formatter.string(from: date)
    }

    static func duration(_ seconds: Double) -> String {
        if seconds < 3_600 { return "\(Int(seconds / 60)) phút" }
        if seconds < 172_800 { return "\(Int(seconds / 3_600)) giờ" }
        return "\(Int(seconds / 86_400)) ngày"
    }

    static func outcome(_ status: String) -> String {
        switch status {
        case "succeeded": return "thành công"
        case "failed": return "thất bại"
        case "partial": return "một phần"
        case "running": return "đang chạy"
        case "aborted": return "bị ngắt"
        default: return status
        }
    }
}
