using System.Text.Json;
using ProcessFarm.Shared.Imaging;
using Xunit;

namespace ProcessFarm.Tests.Integration;

/// <summary>The <c>process</c> command end to end: the real executable, real files, real exit codes.</summary>
[Collection(WorkerCollection.Name)]
public sealed class ProcessCommandTests : IDisposable
{
    private readonly string _directory = TestHelpers.CreateTempDirectory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("serial")]
    [InlineData("threads")]
    [InlineData("pipe")]
    [InlineData("shm")]
    public async Task Sample_EveryMode_WritesTheSameImage_AndReportsJson(string mode)
    {
        var result = await Cli.RunAsync(_directory, "process", "--sample-size", "640x360", "-m", mode, "-w", "2", "-o", $"{mode}.png", "--json");

        Assert.True(result.ExitCode == 0, result.Stderr);
        using var json = JsonDocument.Parse(result.Stdout);
        var report = json.RootElement;
        foreach (string field in new[] { "mode", "workers", "width", "height", "channels", "pixel_bytes", "decode_ms", "process_ms", "encode_ms", "total_ms", "pixel_copies" })
        {
            Assert.True(report.TryGetProperty(field, out _), $"missing {field}");
        }
        Assert.Equal(mode, report.GetProperty("mode").GetString());
        Assert.Equal(640 * 360 * 3, report.GetProperty("pixel_bytes").GetInt64());
        Assert.Equal(mode == "pipe" ? 6 : 0, report.GetProperty("pixel_copies").GetInt32());

        // Every mode's output equals the serial reference computed here.
        var geometry = new ImageGeometry(640, 360, 3);
        using var expected = PixelBuffer.Allocate(geometry);
        SampleImage.Generate(expected);
        Shared.Native.LookupTable.Create(new LutParameters(0.5, 1.2)).ApplyInPlace(expected.Span);
        using var actual = ImageFile.Load(Path.Combine(_directory, $"{mode}.png"));
        Assert.True(expected.Span.SequenceEqual(actual.Span), $"{mode} output differs from the reference");
    }

    [Fact]
    public async Task Input_File_ProducesDefaultOutputName()
    {
        var geometry = new ImageGeometry(120, 80, 3);
        using (var sample = PixelBuffer.Allocate(geometry))
        {
            SampleImage.Generate(sample);
            ImageFile.Save(Path.Combine(_directory, "photo.jpg"), sample.Span, geometry);
        }

        var result = await Cli.RunAsync(_directory, "process", "photo.jpg", "-m", "serial");

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.True(File.Exists(Path.Combine(_directory, "photo-processed.jpg")));
        Assert.Contains("photo-processed.jpg", result.Stdout, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> BadInputs => new()
    {
        { "empty", "empty.png" },
        { "text", "notes.png" },
        { "truncated-png", "cut.png" },
        { "truncated-jpg", "cut.jpg" },
        { "bomb", "bomb.png" },
        { "jpeg-bomb", "bomb.jpg" },
        { "missing", "missing.jpg" },
        { "directory", "folder" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task BadInput_ExitsWith3_OneLine_NoOutput(string kind, string name)
    {
        CreateBadInput(kind, Path.Combine(_directory, name));

        var result = await Cli.RunAsync(_directory, "process", name, "-o", "out.png", "-m", "pipe", "-w", "1");

        Assert.Equal(3, result.ExitCode);
        Assert.Single(result.ErrorLines);
        Assert.Contains(name, result.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_directory, "out.png")));
        Assert.Empty(Directory.EnumerateFiles(_directory, "*.tmp", SearchOption.AllDirectories));
    }

    [Theory]
    [InlineData("--gamma", "0", "--gamma")]
    [InlineData("--gamma", "-2", "--gamma")]
    [InlineData("--ev", "NaN", "--ev")]
    [InlineData("--workers", "-1", "--workers")]
    [InlineData("--workers", "0", "--workers")]
    [InlineData("--mode", "gpu", "--mode")]
    [InlineData("--quality", "101", "--quality")]
    [InlineData("--tile-rows", "0", "--tile-rows")]
    [InlineData("--output", "/nonexistent-dir/out.png", "--output")]
    [InlineData("--output", "out.xyz", "--output")]
    [InlineData("--sample-size", "10x", "--sample-size")]
    public async Task BadFlag_ExitsWith2_NamingTheFlag(string flag, string value, string named)
    {
        var result = await Cli.RunAsync(_directory, "process", flag, value, "--sample-size", "64x64");
        if (flag == "--sample-size")
        {
            result = await Cli.RunAsync(_directory, "process", flag, value);
        }

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(named, result.Stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(_directory));
    }

    [Theory]
    [InlineData("pipe", "--worker-path", "/nonexistent/processfarm-worker")]
    [InlineData("shm", "--shm-dir", "/nonexistent-shm")]
    public async Task EnvironmentProblem_ExitsWith4_NamingTheFlagThatFixesIt(string mode, string flag, string value)
    {
        var result = await Cli.RunAsync(_directory, "process", "--sample-size", "64x64", "-m", mode, flag, value, "-o", "x.png");

        Assert.Equal(4, result.ExitCode);
        Assert.Single(result.ErrorLines);
        Assert.Contains(flag, result.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_directory, "x.png")));
    }

    private static void CreateBadInput(string kind, string path)
    {
        var geometry = new ImageGeometry(64, 64, 3);
        switch (kind)
        {
            case "empty":
                File.WriteAllBytes(path, []);
                break;
            case "text":
                File.WriteAllText(path, "not an image\n");
                break;
            case "truncated-png":
            case "truncated-jpg":
                string whole = path + ".whole" + Path.GetExtension(path);
                using (var sample = PixelBuffer.Allocate(geometry))
                {
                    SampleImage.Generate(sample);
                    ImageFile.Save(whole, sample.Span, geometry);
                }
                byte[] bytes = File.ReadAllBytes(whole);
                File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
                File.Delete(whole);
                break;
            case "bomb":
                File.WriteAllBytes(path, HostileImages.PngHeader(100_000, 100_000));
                break;
            case "jpeg-bomb":
                // SOI, then a baseline SOF0 declaring 65000 x 65000 pixels in three components, then nothing.
                File.WriteAllBytes(path, [0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0xFD, 0xE8, 0xFD, 0xE8, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01]);
                break;
            case "directory":
                Directory.CreateDirectory(path);
                break;
        }
    }
}
