using ProcessFarm.Coordinator.Echo;
using Xunit;

namespace ProcessFarm.Tests.Echo;

public class EchoReportWriterTests
{
    private static readonly EchoMeasurement[] s_results =
    [
        new("threads", "complex", 240_000_000, 15_000_000, [0.0000034, 0.0000004, 0.0000338]),
        new("pipe", "complex", 240_000_000, 15_000_000, [0.9041, 0.4388, 1.4657]) { SerializeSeconds = 0.3, DeserializeSeconds = 0.31 },
        new("shm", "complex", 240_000_000, 15_000_000, [0.000073, 0.000067, 0.0014]) { RegionWriteSeconds = 0.21 },
        new("threads", "bytes", 256L << 20, 1, [0.000016, 0.000002, 0.000061]),
        new("pipe", "bytes", 256L << 20, 1, [0.204645, 0.203268, 0.262425]) { SerializeSeconds = 0.001, DeserializeSeconds = 0.05 },
        new("shm", "bytes", 256L << 20, 1, [0.000075, 0.000054, 0.000179]) { RegionWriteSeconds = 0.17 },
        new("threads", "bytes", 1024, 1, [0.0000008, 0.0000006, 0.000012]),
        new("pipe", "bytes", 1024, 1, [0.000105, 0.000086, 0.000316]),
        new("shm", "bytes", 1024, 1, [0.000080, 0.000062, 0.000207]) { RegionWriteSeconds = 0.0000025 },
    ];

    private static readonly LatencyMeasurement[] s_latency = [new("threads", 64, 100_000, 0.4, 1.3), new("pipe", 64, 100_000, 10.1, 41.7), new("shm", 64, 100_000, 1.4, 27.7)];

    [Fact]
    public void Text_FitsIn80Columns_InPlainCharacters()
    {
        using var writer = new StringWriter();

        EchoReportWriter.WriteText(writer, s_results, s_latency, workers: 2, plain: true);

        string text = writer.ToString();
        Assert.All(text.Split('\n'), line => Assert.True(line.Length <= 80, $"{line.Length} columns: {line}"));
        Assert.All(text, c => Assert.True(c is '\n' or (>= ' ' and <= '~'), $"not plain: U+{(int)c:X4}"));
    }

    [Fact]
    public void Text_GivesTimesInTheirOwnUnit_AndThreadsNoThroughput()
    {
        using var writer = new StringWriter();

        EchoReportWriter.WriteText(writer, s_results, s_latency, workers: 2, plain: true);

        string[] lines = writer.ToString().Split('\n');
        string threads = lines.First(l => l.Contains("| threads ", StringComparison.Ordinal));
        Assert.Contains("3.40 us", threads, StringComparison.Ordinal); // the hand-off, not 0.000003 s
        Assert.Contains("400 ns", threads, StringComparison.Ordinal);
        Assert.Matches(@"\|\s+-\s+\|\s+-\s+\|$", threads); // no GB/s, no ratio against a mode that moves nothing
        Assert.Contains(lines, l => l.Contains("| pipe ", StringComparison.Ordinal) && l.Contains("904 ms", StringComparison.Ordinal));
        Assert.DoesNotContain("0.000000", writer.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Ratio_ComparesOnlyModesThatMoveThePayload()
    {
        Assert.Null(EchoReportWriter.RatioToFastest(s_results[0], s_results));
        Assert.Equal(1.0, EchoReportWriter.RatioToFastest(s_results[2], s_results));
        Assert.Equal(0.9041 / 0.000073, EchoReportWriter.RatioToFastest(s_results[1], s_results)!.Value, 6);
        Assert.Null(EchoReportWriter.Throughput(s_results[0]));
    }

    [Theory]
    [InlineData(0.00000085, "850 ns")]
    [InlineData(0.0000034, "3.40 µs")]
    [InlineData(0.0000338, "33.8 µs")]
    [InlineData(0.000150, "150 µs")]
    [InlineData(0.0390, "39.0 ms")]
    [InlineData(1.2344, "1.234 s")]
    public void Duration_PicksTheUnit(double seconds, string text) => Assert.Equal(text, EchoReportWriter.Duration(seconds));

    [Fact]
    public void Html_ChartsSizesInKiB_AndLatencyOnALogAxis()
    {
        string path = Path.Combine(TestHelpers.CreateTempDirectory(), "echo.html");
        try
        {
            EchoReportWriter.WriteHtml(path, s_results, s_latency, repeat: 3, workers: 2);

            string html = File.ReadAllText(path);
            Assert.Contains(">1 KiB<", html, StringComparison.Ordinal);
            Assert.DoesNotContain(" kB<", html, StringComparison.Ordinal);
            Assert.Contains("microseconds (log)", html, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    private static readonly EchoMeasurement[] s_clusterResults =
    [
        new("cluster", "bytes", 256L << 20, 1, [0.150, 0.140, 0.170]) { SerializeSeconds = 0.001, DeserializeSeconds = 0.03 },
        new("rpc", "bytes", 256L << 20, 1, [1.2, 1.1, 1.3]),
        new("tcp", "bytes", 256L << 20, 1, [0.120, 0.110, 0.130]),
        new("cluster", "complex", 240_000_000, 15_000_000, [0.9, 0.8, 1.0]) { SerializeSeconds = 0.3, DeserializeSeconds = 0.31, WorkerSeconds = 0.2 },
    ];

    private static readonly EchoClusterRun s_cluster = new("loopback 127.0.0.1 -> node some-host/12345 at 127.0.0.1", 1, 2);

    [Fact]
    public void RatioToTcp_IsThroughputOverTheTcpRowsOfTheSamePayload()
    {
        Assert.Equal(0.120 / 0.150, EchoReportWriter.RatioToTcp(s_clusterResults[0], s_clusterResults)!.Value, 9);
        Assert.Equal(0.1, EchoReportWriter.RatioToTcp(s_clusterResults[1], s_clusterResults)!.Value, 9);
        Assert.Equal(1.0, EchoReportWriter.RatioToTcp(s_clusterResults[2], s_clusterResults)!.Value, 9);
        Assert.Null(EchoReportWriter.RatioToTcp(s_clusterResults[3], s_clusterResults)); // no tcp row for complex
        Assert.Null(EchoReportWriter.RatioToTcp(s_results[4], [.. s_results, .. s_clusterResults])); // pipe is no cluster row
    }

    [Fact]
    public void Text_WithClusterRows_NamesTheLink_SaysNaWhereNothingIsSeparable_AndFitsIn80Columns()
    {
        using var writer = new StringWriter();

        EchoReportWriter.WriteText(writer, [.. s_results, .. s_clusterResults], [.. s_latency, new("cluster", 64, 100_000, 30, 60)], workers: 2, plain: true, s_cluster);

        string text = writer.ToString();
        Assert.All(text.Split('\n'), line => Assert.True(line.Length <= 80, $"{line.Length} columns: {line}"));
        Assert.Contains("  loopback 127.0.0.1 -> node some-host/12345 at 127.0.0.1", text, StringComparison.Ordinal);
        // The cluster table's rows (the bytes table has rows for these modes too, without "vs tcp").
        Assert.Contains(text.Split('\n'), l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\| 256 MiB \| rpc\s+\|\s+0\.45 \|\s+0\.10x \|\s+n/a \|\s+n/a \|\s+n/a \|$"));
        Assert.Contains(text.Split('\n'), l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\| 256 MiB \| cluster \|\s+3\.58 \|\s+0\.80x \|"));
    }
}
