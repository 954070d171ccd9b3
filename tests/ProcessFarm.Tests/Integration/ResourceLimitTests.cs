using System.Diagnostics;
using Xunit;

namespace ProcessFarm.Tests.Integration;

/// <summary>
/// Resource limits below what the runtime and the workers need: one line naming the limit and exit 4, never the
/// runtime's own failure (a hang, "Out of memory.", a stack trace and exit 134).
/// </summary>
[Collection(WorkerCollection.Name)]
public sealed class ResourceLimitTests : IDisposable
{
    private readonly string _directory = TestHelpers.CreateTempDirectory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("ulimit -n 60", "pipe", "the open-files limit (ulimit -n) is 60")]
    [InlineData("ulimit -n 80", "shm", "the open-files limit (ulimit -n) is 80")]
    [InlineData("ulimit -v 2000000", "pipe", "the address-space limit (ulimit -v) is 1.9 GiB")]
    [InlineData("ulimit -v 4000000", "threads", "the address-space limit (ulimit -v) is 3.8 GiB")]
    public async Task LimitTooLow_ExitFour_OneLineNamingIt(string limit, string mode, string expected)
    {
        var info = new ProcessStartInfo("/bin/sh") { WorkingDirectory = _directory };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add($"{limit} && exec \"$0\" process -m {mode} -w 2 --sample-size 64x64 -o out.jpg");
        info.ArgumentList.Add(Cli.Executable);

        var result = await Cli.RunAsync(info);

        Assert.Equal(4, result.ExitCode);
        string line = Assert.Single(result.ErrorLines);
        Assert.StartsWith("processfarm: " + expected, line, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_directory, "out.jpg")));
    }
}
