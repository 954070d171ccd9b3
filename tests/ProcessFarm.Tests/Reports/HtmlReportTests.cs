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

    [Fact]
    public void BarChart_OnALogAxis_KeepsSmallBarsVisible()
    {
        string html = new HtmlReport("t").BarChart("latency", "us", ["threads", "pipe"], [("p50", [0.4, 10]), ("p99", [1.3, 400])], v => $"{v}", logY: true).Render();

        var bars = XElement.Parse(SvgPattern().Match(html).Value).Descendants("rect")
            .Where(r => r.Attribute("width")!.Value != "14")
            .Select(r => double.Parse(r.Attribute("height")!.Value, System.Globalization.CultureInfo.InvariantCulture))
            .ToList();
        Assert.Equal(4, bars.Count);
        Assert.True(bars.Min() > 300 * 0.1, $"the smallest bar is {bars.Min()} px of 300: on a linear axis it would be 0.3 px");
    }

    [Fact]
    public void TuneIdealLine_StopsRisingAtTheCores()
    {
        var ideal = Coordinator.Processing.TuneReportWriter.IdealSpeedup(Environment.ProcessorCount + 3);

        Assert.Equal(Environment.ProcessorCount, ideal.Points.Max(p => p.Y));
        Assert.Equal(Environment.ProcessorCount + 3, ideal.Points.Count);
        Assert.All(ideal.Points, p => Assert.Equal(Math.Min(p.X, Environment.ProcessorCount), p.Y));
    }

    [GeneratedRegex("<svg.*?</svg>", RegexOptions.Singleline)]
    private static partial Regex SvgPattern();
}
