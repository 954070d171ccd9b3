using System.Globalization;
using System.Net;
using System.Text;

namespace ProcessFarm.Coordinator.Reports;

/// <summary>
/// A self-contained HTML page (inline CSS, charts as inline SVG drawn here: no script, no network) for the
/// <c>--report FILE.html</c> option of <c>echo</c> and <c>tune</c>.
/// </summary>
internal sealed class HtmlReport
{
    private static readonly CultureInfo s_c = CultureInfo.InvariantCulture;
    private static readonly string[] s_palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"];
    private readonly StringBuilder _body = new();
    private readonly string _title;

    public HtmlReport(string title) => _title = title;

    public HtmlReport Paragraph(string text)
    {
        _body.Append("<p>").Append(WebUtility.HtmlEncode(text)).Append("</p>\n");
        return this;
    }

    public HtmlReport Heading(string text)
    {
        _body.Append("<h2>").Append(WebUtility.HtmlEncode(text)).Append("</h2>\n");
        return this;
    }

    /// <summary>A table; cells are text, right-aligned when <paramref name="numeric"/> says so for their column.</summary>
    public HtmlReport Table(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows, IReadOnlyList<bool>? numeric = null)
    {
        _body.Append("<table><thead><tr>");
        for (int i = 0; i < headers.Count; i++)
        {
            _body.Append(numeric?[i] == true ? "<th class=n>" : "<th>").Append(WebUtility.HtmlEncode(headers[i])).Append("</th>");
        }
        _body.Append("</tr></thead><tbody>\n");
        foreach (var row in rows)
        {
            _body.Append("<tr>");
            for (int i = 0; i < row.Count; i++)
            {
                _body.Append(numeric?[i] == true ? "<td class=n>" : "<td>").Append(WebUtility.HtmlEncode(row[i])).Append("</td>");
            }
            _body.Append("</tr>\n");
        }
        _body.Append("</tbody></table>\n");
        return this;
    }

    /// <summary>
    /// A line chart, one line per series, optionally on log axes (decades marked, or powers of
    /// <paramref name="xLogBase"/> on x: 4 marks 1, 4, 16 KiB... for sizes). <paramref name="formatX"/> and
    /// <paramref name="formatY"/> label the ticks.
    /// </summary>
    public HtmlReport LineChart(string title, string xLabel, string yLabel, IReadOnlyList<Series> series, bool logX, bool logY, Func<double, string> formatX, Func<double, string> formatY, Series? reference = null, double minXStep = 0, double xLogBase = 10)
    {
        var all = series.SelectMany(s => s.Points).Concat(reference?.Points ?? []).Where(p => (!logX || p.X > 0) && (!logY || p.Y > 0)).ToList();
        if (all.Count == 0)
        {
            return Paragraph($"{title}: nothing to plot.");
        }
        var x = new Axis(all.Min(p => p.X), all.Max(p => p.X), logX, 60, 700, minXStep, xLogBase);
        var y = new Axis(logY ? all.Min(p => p.Y) : 0, all.Max(p => p.Y), logY, 330, 30);
        var svg = new StringBuilder();
        svg.Append(s_c, $"<figure><figcaption>{WebUtility.HtmlEncode(title)}</figcaption><svg viewBox=\"0 0 860 390\" role=\"img\" aria-label=\"{WebUtility.HtmlEncode(title)}\">");
        Grid(svg, x, y, formatX, formatY, xLabel, yLabel);
        var lines = reference is null ? series : [.. series, reference];
        for (int i = 0; i < lines.Count; i++)
        {
            var s = lines[i];
            string color = ReferenceEquals(s, reference) ? "#999" : s_palette[i % s_palette.Length];
            var points = s.Points.Where(p => (!logX || p.X > 0) && (!logY || p.Y > 0)).OrderBy(p => p.X).ToList();
            if (points.Count == 0)
            {
                continue;
            }
            svg.Append(s_c, $"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\"{(ReferenceEquals(s, reference) ? " stroke-dasharray=\"5 4\"" : string.Empty)} points=\"");
            foreach (var p in points)
            {
                svg.Append(s_c, $"{x.Map(p.X):0.0},{y.Map(p.Y):0.0} ");
            }
            svg.Append("\"/>");
            foreach (var p in points)
            {
                svg.Append(s_c, $"<circle cx=\"{x.Map(p.X):0.0}\" cy=\"{y.Map(p.Y):0.0}\" r=\"3\" fill=\"{color}\"><title>{WebUtility.HtmlEncode(s.Name)}: {WebUtility.HtmlEncode(formatX(p.X))}, {WebUtility.HtmlEncode(formatY(p.Y))}</title></circle>");
            }
            svg.Append(s_c, $"<rect x=\"720\" y=\"{32 + (i * 20)}\" width=\"14\" height=\"4\" fill=\"{color}\"/><text x=\"740\" y=\"{38 + (i * 20)}\">{WebUtility.HtmlEncode(s.Name)}</text>");
        }
        svg.Append("</svg></figure>\n");
        _body.Append(svg);
        return this;
    }

    /// <summary>
    /// Grouped bars: one group per category, one bar per series, values on a linear axis from zero, or on a log axis
    /// (<paramref name="logY"/>) when they span orders of magnitude, so that small bars stay visible beside large ones.
    /// </summary>
    public HtmlReport BarChart(string title, string yLabel, IReadOnlyList<string> categories, IReadOnlyList<(string Name, double[] Values)> series, Func<double, string> format, bool logY = false)
    {
        var positive = series.SelectMany(s => s.Values).Where(v => v > 0).DefaultIfEmpty(1).ToList();
        double max = positive.Max();
        var y = logY ? new Axis(positive.Min(), max, log: true, 330, 30) : new Axis(0, max, log: false, 330, 30);
        var svg = new StringBuilder();
        svg.Append(s_c, $"<figure><figcaption>{WebUtility.HtmlEncode(title)}</figcaption><svg viewBox=\"0 0 860 390\" role=\"img\" aria-label=\"{WebUtility.HtmlEncode(title)}\">");
        foreach (double tick in y.Ticks())
        {
            svg.Append(s_c, $"<line x1=\"60\" x2=\"700\" y1=\"{y.Map(tick):0.0}\" y2=\"{y.Map(tick):0.0}\" class=\"grid\"/><text x=\"54\" y=\"{y.Map(tick) + 4:0.0}\" text-anchor=\"end\">{WebUtility.HtmlEncode(format(tick))}</text>");
        }
        svg.Append(s_c, $"<text transform=\"translate(14 180) rotate(-90)\" text-anchor=\"middle\">{WebUtility.HtmlEncode(yLabel)}</text>");
        double groupWidth = 640.0 / Math.Max(1, categories.Count);
        double barWidth = groupWidth * 0.7 / Math.Max(1, series.Count);
        for (int c = 0; c < categories.Count; c++)
        {
            double left = 60 + (c * groupWidth) + (groupWidth * 0.15);
            for (int s = 0; s < series.Count; s++)
            {
                double value = series[s].Values[c];
                double top = logY && value <= 0 ? 330 : Math.Min(330, y.Map(value));
                svg.Append(s_c, $"<rect x=\"{left + (s * barWidth):0.0}\" y=\"{top:0.0}\" width=\"{barWidth - 2:0.0}\" height=\"{330 - top:0.0}\" fill=\"{s_palette[s % s_palette.Length]}\"><title>{WebUtility.HtmlEncode(categories[c])} {WebUtility.HtmlEncode(series[s].Name)}: {WebUtility.HtmlEncode(format(value))}</title></rect>");
                svg.Append(s_c, $"<text x=\"{left + (s * barWidth) + (barWidth / 2):0.0}\" y=\"{top - 4:0.0}\" text-anchor=\"middle\" class=\"small\">{WebUtility.HtmlEncode(format(value))}</text>");
            }
            svg.Append(s_c, $"<text x=\"{60 + (c * groupWidth) + (groupWidth / 2):0.0}\" y=\"350\" text-anchor=\"middle\">{WebUtility.HtmlEncode(categories[c])}</text>");
        }
        svg.Append("<line x1=\"60\" x2=\"700\" y1=\"330\" y2=\"330\" class=\"axis\"/>");
        for (int s = 0; s < series.Count; s++)
        {
            svg.Append(s_c, $"<rect x=\"720\" y=\"{32 + (s * 20)}\" width=\"14\" height=\"10\" fill=\"{s_palette[s % s_palette.Length]}\"/><text x=\"740\" y=\"{41 + (s * 20)}\">{WebUtility.HtmlEncode(series[s].Name)}</text>");
        }
        svg.Append("</svg></figure>\n");
        _body.Append(svg);
        return this;
    }

    /// <summary>The whole page.</summary>
    public string Render() => $$"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>{{WebUtility.HtmlEncode(_title)}}</title>
        <style>
        body{font:14px/1.45 system-ui,sans-serif;max-width:900px;margin:24px auto;padding:0 16px;color:#222}
        h1{font-size:22px}h2{font-size:17px;margin-top:28px}
        table{border-collapse:collapse;margin:8px 0 16px}th,td{padding:3px 10px;border-bottom:1px solid #ddd;text-align:left}
        .n{text-align:right;font-variant-numeric:tabular-nums}
        figure{margin:12px 0}figcaption{font-weight:600;margin-bottom:4px}
        svg{width:100%;height:auto;font-size:12px}svg text{fill:#333}.small{font-size:10px}
        .grid{stroke:#e5e5e5}.axis{stroke:#888}
        </style></head><body>
        <h1>{{WebUtility.HtmlEncode(_title)}}</h1>
        {{_body}}<p class=small>Generated by processfarm on {{DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm", s_c)}} UTC; {{Environment.ProcessorCount}} usable cores.</p>
        </body></html>
        """;

    /// <summary>Writes the page atomically (a reader never sees half of it).</summary>
    public void Save(string path) => Shared.Imaging.ImageFile.WriteAtomically(path, Encoding.UTF8.GetBytes(Render()));

    private static void Grid(StringBuilder svg, Axis x, Axis y, Func<double, string> formatX, Func<double, string> formatY, string xLabel, string yLabel)
    {
        foreach (double tick in x.Ticks())
        {
            svg.Append(s_c, $"<line x1=\"{x.Map(tick):0.0}\" x2=\"{x.Map(tick):0.0}\" y1=\"30\" y2=\"330\" class=\"grid\"/><text x=\"{x.Map(tick):0.0}\" y=\"346\" text-anchor=\"middle\">{WebUtility.HtmlEncode(formatX(tick))}</text>");
        }
        foreach (double tick in y.Ticks())
        {
            svg.Append(s_c, $"<line x1=\"60\" x2=\"700\" y1=\"{y.Map(tick):0.0}\" y2=\"{y.Map(tick):0.0}\" class=\"grid\"/><text x=\"54\" y=\"{y.Map(tick) + 4:0.0}\" text-anchor=\"end\">{WebUtility.HtmlEncode(formatY(tick))}</text>");
        }
        svg.Append("<line x1=\"60\" x2=\"700\" y1=\"330\" y2=\"330\" class=\"axis\"/><line x1=\"60\" x2=\"60\" y1=\"30\" y2=\"330\" class=\"axis\"/>");
        svg.Append(s_c, $"<text x=\"380\" y=\"372\" text-anchor=\"middle\">{WebUtility.HtmlEncode(xLabel)}</text>");
        svg.Append(s_c, $"<text transform=\"translate(14 180) rotate(-90)\" text-anchor=\"middle\">{WebUtility.HtmlEncode(yLabel)}</text>");
    }

    /// <summary>A named line of (x, y) points.</summary>
    internal sealed record Series(string Name, IReadOnlyList<(double X, double Y)> Points);

    /// <summary>Maps data to pixels; log axes get a tick per power of their base, linear ones about five round ticks.</summary>
    private sealed class Axis
    {
        private readonly double _min;
        private readonly double _max;
        private readonly bool _log;
        private readonly double _from;
        private readonly double _to;
        private readonly double _minStep;
        private readonly double _logBase;

        public Axis(double min, double max, bool log, double from, double to, double minStep = 0, double logBase = 10)
        {
            _minStep = minStep;
            _log = log;
            _logBase = logBase;
            if (log)
            {
                // A hair of tolerance, so that a value that is an exact power is not pushed to the next one by rounding.
                min = Math.Pow(logBase, Math.Floor((Math.Log(min) / Math.Log(logBase)) + 1e-9));
                max = Math.Pow(logBase, Math.Ceiling((Math.Log(max) / Math.Log(logBase)) - 1e-9));
            }
            else
            {
                max = NiceStep(max) * Math.Ceiling(max / NiceStep(max));
            }
            _min = min;
            _max = max > min ? max : log ? min * logBase : min + 1;
            _from = from;
            _to = to;
        }

        public double Map(double value)
        {
            double t = _log ? (Math.Log(value) - Math.Log(_min)) / (Math.Log(_max) - Math.Log(_min)) : (value - _min) / (_max - _min);
            return _from + (t * (_to - _from));
        }

        public IEnumerable<double> Ticks()
        {
            if (_log)
            {
                for (double v = _min; v <= _max * 1.0001; v *= _logBase)
                {
                    yield return v;
                }
                yield break;
            }
            double step = Math.Max(_minStep, NiceStep(_max - _min));
            for (double v = _min; v <= _max + (step / 1000); v += step)
            {
                yield return v;
            }
        }

        private static double NiceStep(double range)
        {
            if (!(range > 0))
            {
                return 1;
            }
            double raw = range / 5;
            double magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
            double normalized = raw / magnitude;
            return (normalized < 1.5 ? 1 : normalized < 3 ? 2 : normalized < 7 ? 5 : 10) * magnitude;
        }
    }
}
