using System.Text.Json;
using Xunit;

namespace ProcessFarm.Tests.Integration;

/// <summary>The echo command end to end; its pipe mode verifies internally that every payload came back unchanged.</summary>
[Collection(WorkerCollection.Name)]
public class EchoCommandTests
{
    [Fact]
    public async Task Echo_AllModesAndPayloads_ReportTheDocumentedJson()
    {
        var result = await Cli.RunAsync(AppContext.BaseDirectory, "echo", "--count", "1000", "--size", "1K,64K", "--repeat", "2", "--latency-round-trips", "200", "--format", "json");

        Assert.True(result.ExitCode == 0, result.Stderr);
        using var json = JsonDocument.Parse(result.Stdout);
        var rows = json.RootElement.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(9, rows.Count); // (complex, 1 KiB, 64 KiB) x (threads, pipe, shm)
        foreach (var row in rows)
        {
            foreach (string field in new[] { "mode", "payload", "bytes", "items", "repeat", "median_s", "min_s", "max_s", "throughput_gbps" })
            {
                Assert.True(row.TryGetProperty(field, out _), $"missing {field}");
            }
            Assert.True(row.GetProperty("min_s").GetDouble() <= row.GetProperty("median_s").GetDouble());
            Assert.True(row.GetProperty("median_s").GetDouble() <= row.GetProperty("max_s").GetDouble());
        }
        Assert.Equal(16_000, rows.Single(r => r.GetProperty("mode").GetString() == "pipe" && r.GetProperty("payload").GetString() == "complex").GetProperty("bytes").GetInt64());
        var latency = json.RootElement.GetProperty("latency").EnumerateArray().Select(l => l.GetProperty("mode").GetString()).ToList();
        Assert.Equal(["threads", "pipe", "shm"], latency);
        Assert.True(json.RootElement.GetProperty("machine").GetProperty("cores").GetInt32() >= 1);
    }

    [Fact]
    public async Task Echo_HtmlReport_ChartsThroughputPerModeAndLatency()
    {
        string directory = TestHelpers.CreateTempDirectory();
        try
        {
            var result = await Cli.RunAsync(directory, "echo", "--payload", "bytes", "--size", "1K,64K,1M", "--repeat", "2", "--latency-round-trips", "100", "--format", "csv", "--report", "echo.html");

            Assert.True(result.ExitCode == 0, result.Stderr);
            string html = File.ReadAllText(Path.Combine(directory, "echo.html"));
            Assert.Contains("Throughput by payload size", html, StringComparison.Ordinal);
            Assert.Equal(2, html.Split("<polyline").Length - 1); // one line per mode that moves the payload: pipe, shm
            Assert.Contains("Small-message latency", html, StringComparison.Ordinal);
            Assert.Empty(Directory.GetFiles(directory, "*.tmp"));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Theory]
    [InlineData("--size", "12X")]
    [InlineData("--payload", "strings")]
    [InlineData("--mode", "threads,gpu")]
    [InlineData("--repeat", "0")]
    public async Task Echo_BadFlag_ExitsWith2_NamingIt(string flag, string value)
    {
        var result = await Cli.RunAsync(AppContext.BaseDirectory, "echo", flag, value);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(flag, result.Stderr, StringComparison.Ordinal);
    }
}
