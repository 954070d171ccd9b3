using System.Text.Json;
using Xunit;

namespace ProcessFarm.Tests.Integration;

[Collection(WorkerCollection.Name)]
public class FibCommandTests
{
    [Fact]
    public async Task Fib_AllModes_AgreeOnTheValue_AndReportEachMode()
    {
        var result = await Cli.RunAsync(AppContext.BaseDirectory, "fib", "--n", "20", "-w", "2", "--json");

        Assert.True(result.ExitCode == 0, result.Stderr);
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.Equal(6765, json.RootElement.GetProperty("value").GetInt64());
        var modes = json.RootElement.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("mode").GetString()).ToList();
        Assert.Equal(["serial", "threads", "processes"], modes);
        Assert.True(json.RootElement.GetProperty("results")[2].GetProperty("startup_ms").GetDouble() > 0);
    }

    [Theory]
    [InlineData("--n", "51")]
    [InlineData("--mode", "fibers")]
    [InlineData("--workers", "0")]
    public async Task Fib_BadFlag_ExitsWith2_NamingIt(string flag, string value)
    {
        var result = await Cli.RunAsync(AppContext.BaseDirectory, "fib", flag, value);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(flag, result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Fibonacci_IsCorrect() =>
        Assert.Equal([0L, 1, 1, 2, 3, 5, 8, 13, 21, 34], Enumerable.Range(0, 10).Select(Shared.Workloads.Fibonacci.Compute));
}
