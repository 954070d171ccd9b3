using System.Text.Json;
using Xunit;

namespace ProcessFarm.Tests.Cli;

/// <summary>Every command that reports prints text, json, csv or markdown; --json is short for --format json.</summary>
[Collection(Integration.WorkerCollection.Name)]
public sealed class OutputFormatTests : IDisposable
{
    private readonly string _directory = TestHelpers.CreateTempDirectory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Process_Csv_IsAHeaderAndOneRow_WithTheJsonFields()
    {
        var csv = await RunAsync("process", "--sample-size", "64x48", "-m", "serial", "-o", "a.png", "--format", "csv");
        var json = await RunAsync("process", "--sample-size", "64x48", "-m", "serial", "-o", "b.png", "--json");

        string[] lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        using var document = JsonDocument.Parse(json);
        Assert.Equal(document.RootElement.EnumerateObject().Select(p => p.Name), lines[0].Split(','));
        Assert.StartsWith("\"sample 64x48x3 (built in, photo-like)\",", lines[1], StringComparison.Ordinal); // quoted: it holds a comma
        Assert.Contains(",serial,1,64,48,3,", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Process_Markdown_IsAFieldValueTable()
    {
        string markdown = await RunAsync("process", "--sample-size", "64x48", "-m", "serial", "-o", "a.png", "--format", "markdown");

        Assert.StartsWith("| field | value |\n| --- | ---: |\n", markdown, StringComparison.Ordinal);
        Assert.Contains("| width | 64 |", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fib_Csv_And_Markdown_HaveARowPerMode()
    {
        string csv = await RunAsync("fib", "--n", "15", "-w", "1", "-m", "serial,threads", "--format", "csv");
        string markdown = await RunAsync("fib", "--n", "15", "-w", "1", "-m", "threads,serial", "--format", "markdown");

        string[] lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("mode,n,copies,value,wall_ms,cpu_ms,startup_ms,compute_ms,speedup", lines[0]);
        Assert.Equal(["serial", "threads"], lines.Skip(1).Select(l => l.Split(',')[0]));
        Assert.StartsWith("fib(15) = 610, 1 copy, ", markdown, StringComparison.Ordinal);
        Assert.Contains("| serial | ", markdown, StringComparison.Ordinal);
        Assert.Contains("| threads | ", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tune_OnlyThreads_MeasuresNoWorkerStart()
    {
        string json = await RunAsync("tune", "--sample-size", "64x48", "-m", "threads", "-w", "1", "--repeat", "2", "--json");
        string text = await RunAsync("tune", "--sample-size", "64x48", "-m", "threads", "-w", "1", "--repeat", "1");

        using var document = JsonDocument.Parse(json);
        Assert.Equal(JsonValueKind.Null, document.RootElement.GetProperty("bare_worker_start_ms").ValueKind);
        Assert.DoesNotContain("bare start", text, StringComparison.Ordinal);
        Assert.Contains("recommended threads: 1 thread (the fastest at ", text, StringComparison.Ordinal);
        Assert.Contains("with the fewest workers tried)", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Process_Text_CountsInTheRightNumber_AndSaysWhereTheKernelRan()
    {
        string text = await RunAsync("process", "--sample-size", "16x1", "-m", "serial", "-o", "a.png");

        Assert.Contains("mode     serial, 1 thread, 1 tile of 1 row, kernel ", text, StringComparison.Ordinal);
        Assert.Contains("stream   1 strip of 1 row;", text, StringComparison.Ordinal);
        Assert.Matches(@"kernel [0-9.]+ ms on one thread\n", text);
    }

    private async Task<string> RunAsync(params string[] args)
    {
        var result = await Integration.Cli.RunAsync(_directory, args);
        Assert.True(result.ExitCode == 0, result.Stderr);
        return result.Stdout;
    }
}
