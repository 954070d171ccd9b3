using System.Text.Json;
using ProcessFarm.Shared.Imaging;
using Xunit;

namespace ProcessFarm.Tests.Integration;

/// <summary>
/// Inputs that are not regular files (a FIFO, a socket, a device) are refused at once with exit code 3 and one line,
/// alone or inside a batch folder, in every mode: opening one never blocks. Each run has a short deadline, so a
/// regression fails the test instead of hanging it.
/// </summary>
[AssertNoLeaks]
[Collection(WorkerCollection.Name)]
public sealed class InputFileTests : IDisposable
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(20);
    private readonly string _directory = TestHelpers.CreateTempDirectory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("threads", false)]
    [InlineData("pipe", false)]
    [InlineData("shm", true)]
    public async Task Process_FifoAsInput_IsRefusedAtOnce_Exit3(string mode, bool noStream)
    {
        TestHelpers.MakeFifo(Path.Combine(_directory, "pipe.jpg"));
        string[] args = ["process", "pipe.jpg", "-o", "out.jpg", "-m", mode, "-w", "1", .. noStream ? ["--no-stream"] : Array.Empty<string>()];

        var result = await Cli.RunAsync(Cli.StartInfo(_directory, args), stdin: null, s_deadline);

        Assert.False(result.TimedOut, $"processfarm still blocked on the FIFO after {s_deadline.TotalSeconds} s");
        Assert.Equal(3, result.ExitCode);
        Assert.Equal(["processfarm: 'pipe.jpg' is not a regular file (a FIFO, socket or device); give an image file"], result.ErrorLines);
        Assert.False(File.Exists(Path.Combine(_directory, "out.jpg")));
    }

    [Theory]
    [InlineData("/dev/zero")]
    [InlineData("socket")]
    public async Task Process_DeviceOrSocketAsInput_IsNotARegularFile_Exit3(string input)
    {
        using var socket = input == "socket" ? TestHelpers.BindUnixSocket(Path.Combine(_directory, "socket")) : null;

        var result = await Cli.RunAsync(Cli.StartInfo(_directory, "process", input, "-o", "out.png", "-m", "serial"), stdin: null, s_deadline);

        Assert.False(result.TimedOut, "processfarm blocked on its input");
        Assert.Equal(3, result.ExitCode);
        string line = Assert.Single(result.ErrorLines);
        Assert.Contains($"'{input}' is not a regular file", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("threads", "files")]
    [InlineData("pipe", "files")]
    [InlineData("shm", "strips")]
    public async Task Batch_FifoInTheFolder_FailsAlone_TheOthersAreWritten_Exit3(string mode, string strategy)
    {
        string photos = Directory.CreateDirectory(Path.Combine(_directory, "photos")).FullName;
        WriteSample(Path.Combine(photos, "a.png"));
        TestHelpers.MakeFifo(Path.Combine(photos, "b.jpg"));
        WriteSample(Path.Combine(photos, "c.jpg"));

        var result = await Cli.RunAsync(Cli.StartInfo(_directory, "process", "photos", "-o", "out", "-m", mode, "-w", "2", "--batch-strategy", strategy, "--json"), stdin: null, s_deadline);

        Assert.False(result.TimedOut, "the batch blocked on the FIFO");
        Assert.True(result.ExitCode == 3, result.Stderr);
        using var json = JsonDocument.Parse(result.Stdout);
        var failed = Assert.Single(json.RootElement.GetProperty("files").EnumerateArray(), f => !f.GetProperty("ok").GetBoolean());
        Assert.EndsWith("b.jpg", failed.GetProperty("input").GetString(), StringComparison.Ordinal);
        Assert.Contains("not a regular file", failed.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(["a.png", "c.jpg"], Directory.GetFiles(Path.Combine(_directory, "out")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    private static void WriteSample(string path)
    {
        var geometry = new ImageGeometry(48, 32, 3);
        using var sample = PixelBuffer.Allocate(geometry);
        SampleImage.Generate(sample);
        ImageFile.Save(path, sample.Span, geometry);
    }
}
