using System.Text.RegularExpressions;
using System.Xml.Linq;
using ProcessFarm.Coordinator.Reports;
using Xunit;

namespace ProcessFarm.Tests.Reports;

public partial class HtmlReportTests
{
    [Fact]
    public void Charts_AreWellFormedSvg_WithOnePolylinePerSeries_AndNothingExternal()
    {
        var report = new HtmlReport("t")
            .LineChart("line", "x", "y", [new HtmlReport.Series("a", [(1, 2), (1000, 30)]), new HtmlReport.Series("b", [(10, 0.5), (100, 4)])], logX: true, logY: true, x => $"{x}", y => $"{y}")
            .LineChart("speed-up", "workers", "x", [new HtmlReport.Series("c", [(1, 1), (2, 1.8), (3, 2.1)])], logX: false, logY: false, x => $"{x}", y => $"{y}", new HtmlReport.Series("ideal", [(1, 1), (3, 3)]), minXStep: 1)
            .BarChart("bars", "us", ["pipe", "shm"], [("p50", [40, 35]), ("p99", [140, 60])], v => $"{v}")
            .Table(["a", "b"], [["1", "<2>"]]);

        string html = report.Render();

        var svgs = SvgPattern().Matches(html).Select(m => XElement.Parse(m.Value)).ToList(); // throws if not well-formed
        Assert.Equal(3, svgs.Count);
        Assert.Equal(2, svgs[0].Descendants("polyline").Count());
        Assert.Equal(2, svgs[1].Descendants("polyline").Count()); // the series and the dashed reference
        Assert.Equal(4, svgs[2].Descendants("rect").Count(r => r.Attribute("height") is not null && r.Attribute("width")!.Value != "14"));
        Assert.Contains("&lt;2&gt;", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.Ordinal);
        Assert.DoesNotContain("http", html, StringComparison.Ordinal);
        // Worker counts get whole-number ticks only.
        Assert.DoesNotContain(svgs[1].Descendants("text"), t => t.Attribute("y")?.Value == "346" && t.Value == "1.5"); // x-axis labels sit at y=346
    }

    [GeneratedRegex("<svg.*?</svg>", RegexOptions.Singleline)]
    private static partial Regex SvgPattern();
}
