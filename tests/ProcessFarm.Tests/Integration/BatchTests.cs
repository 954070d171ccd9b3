using System.Text.Json;
using ProcessFarm.Shared.Imaging;
using ProcessFarm.Shared.Native;
using ProcessFarm.Shared.Protocol;
using Xunit;

namespace ProcessFarm.Tests.Integration;

/// <summary>
/// <c>process INPUT... -o OUTDIR</c> and <c>process DIR -o OUTDIR</c>: every strategy and mode writes the same
/// pixels, bad files are reported and skipped with exit code 3, and a worker dying mid-batch costs one file.
/// </summary>
[AssertNoLeaks]
[Collection(WorkerCollection.Name)]
public sealed class BatchTests : IDisposable
{
    private static readonly LutParameters s_parameters = new(0.5, 1.2);
    private readonly string _directory = TestHelpers.CreateTempDirectory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("serial", "files")]
    [InlineData("threads", "files")]
    [InlineData("pipe", "files")]
    [InlineData("shm", "files")]
    [InlineData("threads", "strips")]
    [InlineData("shm", "strips")]
    public async Task Directory_GoodFilesWritten_BadOnesReportedAndSkipped_Exit3(string mode, string strategy)
    {
        string photos = Directory.CreateDirectory(Path.Combine(_directory, "photos")).FullName;
        var sizes = new Dictionary<string, ImageGeometry>
        {
            ["a.png"] = new(90, 61, 3),
            ["b.PNG"] = new(33, 70, 4),
            ["c.jpg"] = new(120, 80, 3),
            ["d.png"] = new(64, 64, 1),
        };
        foreach (var (name, geometry) in sizes)
        {
            WriteSample(Path.Combine(photos, name), geometry);
        }
        File.WriteAllText(Path.Combine(photos, "broken.jpg"), "not a jpeg");
        File.WriteAllText(Path.Combine(photos, "notes.txt"), "ignored: not an image name");

        var result = await Cli.RunAsync(_directory, "process", "photos", "-o", "out", "-m", mode, "-w", "2", "--batch-strategy", strategy, "--json");

        Assert.True(result.ExitCode == 3, result.Stderr);
        Assert.Contains("1 of 5 files failed", result.Stderr, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(result.Stdout);
        var report = json.RootElement;
        Assert.Equal(4, report.GetProperty("succeeded").GetInt32());
        Assert.Equal(strategy, report.GetProperty("strategy").GetString());
        var failed = report.GetProperty("files").EnumerateArray().Single(f => !f.GetProperty("ok").GetBoolean());
        Assert.EndsWith("broken.jpg", failed.GetProperty("input").GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(failed.GetProperty("error").GetString()));

        string outDir = Path.Combine(_directory, "out");
        Assert.Equal(["a.png", "b.PNG", "c.jpg", "d.png"], Directory.GetFiles(outDir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        foreach (var name in new[] { "a.png", "b.PNG", "d.png" })
        {
            using var expected = ImageFile.Load(Path.Combine(photos, name));
            LookupTable.Create(s_parameters).ApplyInPlace(expected.Span);
            using var actual = ImageFile.Load(Path.Combine(outDir, name));
            Assert.Equal(sizes[name], actual.Geometry);
            Assert.True(expected.Span.SequenceEqual(actual.Span), $"{name} differs from the reference LUT");
        }
        using var jpeg = ImageFile.Load(Path.Combine(outDir, "c.jpg"));
        Assert.Equal(sizes["c.jpg"], jpeg.Geometry);
    }

    [Fact]
    public async Task FileArguments_MissingOneIsReported_TheOthersWritten()
    {
        WriteSample(Path.Combine(_directory, "x.png"), new ImageGeometry(40, 30, 3));
        WriteSample(Path.Combine(_directory, "y.png"), new ImageGeometry(40, 30, 3));

        var result = await Cli.RunAsync(_directory, "process", "x.png", "gone.png", "y.png", "-o", "done", "-m", "pipe", "-w", "2");

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("gone.png: does not exist", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("2 written, 1 failed", result.Stdout, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_directory, "done", "x.png")));
        Assert.True(File.Exists(Path.Combine(_directory, "done", "y.png")));
    }

    [Theory]
    [InlineData("shm")]
    [InlineData("pipe")]
    public async Task WorkerKilledMidBatch_ItsFileGoesToAnotherWorker_AndItIsReplaced(string mode)
    {
        string photos = Directory.CreateDirectory(Path.Combine(_directory, "many")).FullName;
        for (int i = 0; i < 8; i++)
        {
            WriteSample(Path.Combine(photos, $"p{i}.png"), new ImageGeometry(50, 40, 3));
        }
        var info = Cli.StartInfo(_directory, "process", "many", "-o", "out", "-m", mode, "-w", "2", "--json");
        info.Environment["PROCESSFARM_TEST_FAULT"] = "1:crash:1"; // worker 1 dies as its first file arrives (each worker gets one at the start)

        var result = await Cli.RunAsync(info);

        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.Equal(8, json.RootElement.GetProperty("succeeded").GetInt32());
        Assert.Equal(1, json.RootElement.GetProperty("worker_deaths").GetInt32());
        Assert.Equal(1, json.RootElement.GetProperty("workers_replaced").GetInt32());
        Assert.Equal(1, json.RootElement.GetProperty("files_retried").GetInt32());
        Assert.Equal(8, Directory.GetFiles(Path.Combine(_directory, "out")).Length);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_directory, "out"), "*.tmp"));
    }

    [Fact]
    public async Task WorkerThatHangsOnAFile_IsKilledAtTheJobTimeout_AndTheFileIsDoneElsewhere()
    {
        string photos = Directory.CreateDirectory(Path.Combine(_directory, "six")).FullName;
        for (int i = 0; i < 6; i++)
        {
            WriteSample(Path.Combine(photos, $"p{i}.png"), new ImageGeometry(50, 40, 3));
        }
        var info = Cli.StartInfo(_directory, "process", "six", "-o", "out", "-m", "pipe", "-w", "2", "--json", "--job-timeout-ms", "1000");
        info.Environment["PROCESSFARM_TEST_FAULT"] = "1:hang:1"; // worker 1 stops answering as its first file arrives

        var result = await Cli.RunAsync(info);

        Assert.True(result.ExitCode == 0, result.Stderr);
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.Equal(6, json.RootElement.GetProperty("succeeded").GetInt32());
        Assert.Equal(1, json.RootElement.GetProperty("worker_deaths").GetInt32());
        Assert.Contains("[worker 1] killed: no answer to job", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("[worker 1] worker 1", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(6, Directory.GetFiles(Path.Combine(_directory, "out")).Length);
    }

    [Theory]
    [InlineData("pipe", "files")]
    [InlineData("threads", "strips")]
    public async Task TemporariesThatAKilledRunLeft_AreSweptFromTheOutputDirectory(string mode, string strategy)
    {
        string photos = Directory.CreateDirectory(Path.Combine(_directory, "two")).FullName;
        WriteSample(Path.Combine(photos, "a.png"), new ImageGeometry(40, 30, 3));
        WriteSample(Path.Combine(photos, "b.png"), new ImageGeometry(40, 30, 3));
        string output = Directory.CreateDirectory(Path.Combine(_directory, "out")).FullName;
        // What a SIGKILL during the final write leaves: a hidden temporary named for its (now dead) process.
        string stale = Path.Combine(output, ".a.png.pf-2147483646-0123456789abcdef.tmp");
        File.WriteAllText(stale, "half an image");
        string unrelated = Path.Combine(output, ".a.png.backup.tmp");
        File.WriteAllText(unrelated, "not ours");

        var result = await Cli.RunAsync(_directory, "process", "two", "-o", "out", "-m", mode, "-w", "2", "--batch-strategy", strategy);

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(unrelated));
        Assert.Equal(["a.png", "b.png"], Directory.GetFiles(output).Select(Path.GetFileName).Where(n => !n!.StartsWith('.')).Order());
    }

    [Fact]
    public async Task FilesThatKillEveryWorker_FailAlone_WithoutSpendingTheRunsBudget()
    {
        string photos = Directory.CreateDirectory(Path.Combine(_directory, "mixed")).FullName;
        for (int i = 0; i < 6; i++)
        {
            WriteSample(Path.Combine(photos, $"p{i}.png"), new ImageGeometry(50, 40, 3));
        }
        WriteSample(Path.Combine(photos, "poison-a.png"), new ImageGeometry(50, 40, 3));
        WriteSample(Path.Combine(photos, "poison-b.png"), new ImageGeometry(50, 40, 3));
        // Two files kill any worker that takes them: 2 x 2 deaths, far over --max-restarts 1, yet none is the run's.
        var info = Cli.StartInfo(_directory, "process", "mixed", "-o", "out", "-m", "pipe", "-w", "2", "--json", "--max-restarts", "1", "--max-job-attempts", "2");
        info.Environment["PROCESSFARM_TEST_FAULT"] = "*:crash:file=poison-a.png;*:crash:file=poison-b.png";

        var result = await Cli.RunAsync(info);

        Assert.Equal(3, result.ExitCode);
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.Equal(6, json.RootElement.GetProperty("succeeded").GetInt32());
        Assert.Equal(4, json.RootElement.GetProperty("worker_deaths").GetInt32());
        var failed = json.RootElement.GetProperty("files").EnumerateArray().Where(f => !f.GetProperty("ok").GetBoolean()).ToList();
        Assert.Equal(["poison-a.png", "poison-b.png"], failed.Select(f => Path.GetFileName(f.GetProperty("input").GetString())).Order());
        Assert.All(failed, f => Assert.Contains("held by 2 workers that all died", f.GetProperty("error").GetString(), StringComparison.Ordinal));
        Assert.Equal(6, Directory.GetFiles(Path.Combine(_directory, "out")).Length);
    }

    [Theory]
    [InlineData("no-output")]
    [InlineData("into-itself")]
    [InlineData("output-is-a-file")]
    public async Task BadBatchArguments_Exit2_BeforeAnyWork(string kind)
    {
        string photos = Directory.CreateDirectory(Path.Combine(_directory, "in")).FullName;
        WriteSample(Path.Combine(photos, "a.png"), new ImageGeometry(10, 10, 3));
        File.WriteAllText(Path.Combine(_directory, "taken"), "x");
        string[] args = kind switch
        {
            "no-output" => ["process", "in"],
            "into-itself" => ["process", "in", "-o", "in"],
            _ => ["process", "in", "-o", "taken"],
        };

        var result = await Cli.RunAsync(_directory, args);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--output", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(["a.png"], Directory.GetFiles(photos).Select(Path.GetFileName));
    }

    [Fact]
    public async Task FileJob_OverTheWire_WritesTheFile_OrSaysWhichSideFailed()
    {
        string input = Path.Combine(_directory, "in.png");
        WriteSample(input, new ImageGeometry(20, 10, 3));
        await using var worker = await RawWorker.StartAsync();
        var job = new FileJobParameters(0.5, 1.2, input, Path.Combine(_directory, "out.png"));

        await worker.SendAsync(f => f.WriteJob(1, job));
        var done = await worker.ReceiveAsync();
        await worker.SendAsync(f => f.WriteJob(2, job with { InputPath = Path.Combine(_directory, "missing.png") }));
        var missing = await worker.ReceiveAsync();
        await worker.SendAsync(f => f.WriteJob(3, job with { OutputPath = Path.Combine(_directory, "no-such-dir", "out.png") }));
        var unwritable = await worker.ReceiveAsync();

        Assert.Equal(MessageType.Result, done.Type);
        using (var output = ImageFile.Load(Path.Combine(_directory, "out.png")))
        {
            Assert.Equal(new ImageGeometry(20, 10, 3), output.Geometry);
        }
        var payload = FileJobResult.Read(new System.Buffers.ReadOnlySequence<byte>(done.Payload));
        Assert.Equal((20, 10, 3), (payload.Width, payload.Height, payload.Channels));
        Assert.Equal(new FileInfo(Path.Combine(_directory, "out.png")).Length, payload.Bytes);
        Assert.Equal((2ul, ErrorCode.InvalidInput), (missing.Id, missing.Error!.Code));
        Assert.Equal((3ul, ErrorCode.OutputFailed), (unwritable.Id, unwritable.Error!.Code));
    }

    private static void WriteSample(string path, ImageGeometry geometry)
    {
        using var sample = PixelBuffer.Allocate(geometry);
        SampleImage.Generate(sample);
        ImageFile.Save(path, sample.Span, geometry);
    }
}
