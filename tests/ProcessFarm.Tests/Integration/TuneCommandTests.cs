using System.Text.Json;
using ProcessFarm.Coordinator.Processing;
using Xunit;

namespace ProcessFarm.Tests.Integration;

[Collection(WorkerCollection.Name)]
public class TuneCommandTests
{
    [Fact]
    public async Task Tune_ReportsEveryModeAndCount_AndRecommendsOne()
    {
        var result = await Cli.RunAsync(AppContext.BaseDirectory, "tune", "--sample-size", "400x300", "--workers", "1,2", "--repeat", "2", "--format", "json");

        Assert.True(result.ExitCode == 0, result.Stderr);
        using var json = JsonDocument.Parse(result.Stdout);
        var rows = json.RootElement.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(6, rows.Count);
        Assert.All(rows.Where(r => r.GetProperty("workers").GetInt32() == 1), r => Assert.Equal(1.0, r.GetProperty("speedup").GetDouble(), 6));
        foreach (string mode in new[] { "threads", "pipe", "shm" })
        {
            Assert.Contains(json.RootElement.GetProperty("recommended").GetProperty(mode).GetInt32(), new[] { 1, 2 });
        }
        Assert.True(json.RootElement.GetProperty("bare_worker_start_ms").GetDouble() > 0);
    }

    [Fact]
    public async Task Tune_CsvMarkdownAndHtmlReport()
    {
        string directory = TestHelpers.CreateTempDirectory();
        try
        {
            var csv = await Cli.RunAsync(directory, "tune", "--sample-size", "300x200", "--mode", "threads,shm", "--workers", "1,2", "--repeat", "2", "--format", "csv", "--report", "tune.html");
            var markdown = await Cli.RunAsync(directory, "tune", "--sample-size", "300x200", "-m", "threads", "--workers", "1,2", "--repeat", "2", "--format", "markdown");

            Assert.True(csv.ExitCode == 0, csv.Stderr);
            string[] lines = csv.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal("mode,workers,median_s,min_s,max_s,speedup,efficiency,recommended", lines[0]);
            Assert.Equal(5, lines.Length);
            Assert.Equal(2, lines.Skip(1).Count(l => l.EndsWith(",1", StringComparison.Ordinal))); // one recommended per mode
            string html = File.ReadAllText(Path.Combine(directory, "tune.html"));
            Assert.Contains("Speed-up over one worker", html, StringComparison.Ordinal);
            Assert.Contains("ideal (linear up to ", html, StringComparison.Ordinal);
            Assert.True(markdown.ExitCode == 0, markdown.Stderr);
            Assert.Contains("| threads | ", markdown.Stdout, StringComparison.Ordinal);
            Assert.Contains("**(recommended)**", markdown.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Report_InAMissingDirectory_Exits2_BeforeMeasuring()
    {
        var result = await Cli.RunAsync(AppContext.BaseDirectory, "tune", "--report", "/nonexistent-dir/r.html");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--report", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Recommend_PrefersFewerWorkers_WithinNoise()
    {
        var rows = new[]
        {
            new TuneRow("pipe", 1, 0.100, 0.099, 0.101, 0.002),
            new TuneRow("pipe", 2, 0.052, 0.051, 0.053, 0.002),
            new TuneRow("pipe", 3, 0.050, 0.049, 0.051, 0.002),
        };

        Assert.Equal(2, TuneRunner.Recommend(rows).Workers); // 52 ms is within 5 % of 50 ms
        Assert.Contains("within the 5 % measured noise", TuneRunner.Recommend(rows).Why, StringComparison.Ordinal);
        Assert.Equal(3, TuneRunner.Recommend([rows[0], rows[2], rows[1] with { MedianSeconds = 0.060 }]).Workers);
    }

    [Fact]
    public void Recommend_TheFewestWorkersTried_SaysSo_NotThatNoSmallerCountCame()
    {
        var rows = new[] { new TuneRow("shm", 1, 0.010, 0.010, 0.010, 0), new TuneRow("shm", 2, 0.020, 0.020, 0.020, 0) };

        var (workers, why) = TuneRunner.Recommend(rows);

        Assert.Equal(1, workers);
        Assert.Equal("the fastest at 10.0 ms, with the fewest workers tried", why);
        var twoIsFaster = new[] { rows[0] with { MedianSeconds = 0.020 }, rows[1] with { MedianSeconds = 0.005 } };
        Assert.Contains("no smaller count came within", TuneRunner.Recommend(twoIsFaster).Why, StringComparison.Ordinal);
    }
}
