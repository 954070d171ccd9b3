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
    public void Recommend_PrefersFewerWorkers_WithinNoise()
    {
        var rows = new[]
        {
            new TuneRow("pipe", 1, 0.100, 0.099, 0.101, 0.002),
            new TuneRow("pipe", 2, 0.052, 0.051, 0.053, 0.002),
            new TuneRow("pipe", 3, 0.050, 0.049, 0.051, 0.002),
        };

        Assert.Equal(2, TuneRunner.Recommend(rows).Workers); // 52 ms is within 5 % of 50 ms
        Assert.Equal(3, TuneRunner.Recommend([rows[0], rows[2], rows[1] with { MedianSeconds = 0.060 }]).Workers);
    }
}
