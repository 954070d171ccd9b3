using Xunit;
using Xunit.Abstractions;

namespace ProcessFarm.Tests.Integration;

/// <summary>
/// Hostile files in every format ImageSharp reads (<see cref="HostileFormats"/>): cut short, declaring a size over
/// the limit, declaring a size their bytes cannot hold, or broken inside. Each ends with exit code 3 and one line
/// naming the file, quickly, without an output file or a temporary left behind, in-process and in a worker.
/// </summary>
[Collection(WorkerCollection.Name)]
public sealed class HostileFormatTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _directory = TestHelpers.CreateTempDirectory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    public static TheoryData<string, string> Cases()
    {
        var cases = new TheoryData<string, string>();
        foreach (string format in HostileFormats.Sources.Keys)
        {
            foreach (string kind in new[] { "truncated", "huge", "forged", "broken" })
            {
                if (!(kind == "forged" && format is "tiff" or "webp")) // their compression has no useful bound: --max-pixels is theirs
                {
                    cases.Add(format, kind);
                }
            }
        }
        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Process_HostileFile_Exit3_OneLine_NoOutput(string format, string kind)
    {
        string name = $"{kind}-{HostileFormats.Sources[format]}";
        File.WriteAllBytes(Path.Combine(_directory, name), HostileFormats.Build(format, kind));
        // WebP cannot declare more than 16384 x 16384 (268 MP): its "huge" is huge against a lower limit.
        string[] limit = format == "webp" && kind == "huge" ? ["--max-pixels", "100000000"] : [];

        var result = await Cli.RunAsync(Cli.StartInfo(_directory, ["process", name, "-o", "out.png", "-m", "serial", .. limit]), null, TimeSpan.FromSeconds(20));

        Assert.False(result.TimedOut, $"{name} hung");
        Assert.True(result.ExitCode == 3, $"{name}: exit {result.ExitCode}: {result.Stderr}");
        string line = Assert.Single(result.ErrorLines);
        output.WriteLine(line);
        Assert.Contains(name, line, StringComparison.Ordinal);
        Assert.Equal(["" + name], Directory.GetFiles(_directory).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Batch_HostileFilesOnWorkers_FailAlone_TheGoodOneIsWritten()
    {
        string input = Path.Combine(_directory, "in");
        Directory.CreateDirectory(input);
        File.WriteAllBytes(Path.Combine(input, "good.gif"), PhotoFolder.Build("anim.gif"));
        foreach (string format in HostileFormats.Sources.Keys)
        {
            File.WriteAllBytes(Path.Combine(input, $"broken-{HostileFormats.Sources[format]}"), HostileFormats.Build(format, "broken"));
        }

        var result = await Cli.RunAsync(_directory, "process", "in", "-o", "out", "-m", "pipe", "-w", "2");

        Assert.Equal(3, result.ExitCode);
        Assert.Equal(["good.gif"], Directory.GetFiles(Path.Combine(_directory, "out")).Select(Path.GetFileName));
        Assert.Contains($"{HostileFormats.Sources.Count} of {HostileFormats.Sources.Count + 1} files failed", result.Stderr, StringComparison.Ordinal);
    }
}
