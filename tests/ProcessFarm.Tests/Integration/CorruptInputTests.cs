using System.Text.Json;
using ProcessFarm.Shared.Imaging;
using ProcessFarm.Shared.Native;
using Xunit;

namespace ProcessFarm.Tests.Integration;

/// <summary>
/// Corrupt JPEG and PNG files end with exit code 3 and one line naming the problem, in the whole-image path
/// (<c>--no-stream</c>), in the default streaming path and in a batch, where the corrupt file fails alone. Harmless
/// problems in ancillary PNG chunks stay warnings.
/// </summary>
[AssertNoLeaks]
[Collection(WorkerCollection.Name)]
public sealed class CorruptInputTests : IDisposable
{
    private static readonly ImageGeometry s_jpegSize = new(320, 240, 3);
    private static readonly ImageGeometry s_pngSize = new(96, 64, 3);
    private readonly string _directory = TestHelpers.CreateTempDirectory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>Each corrupt file by name, with a fragment its one-line error must contain.</summary>
    public static TheoryData<string, string> CorruptFiles => new()
    {
        { "garbage.jpg", "Corrupt JPEG data" },
        { "early-eoi.jpg", "premature end of data segment" },
        { "taller.jpg", "premature end of data segment" },
        { "cut-in-idat.png", "truncated" },
        { "idat-crc.png", "CRC error" },
        { "stream-ends-early.png", "Not enough image data" },
        { "extra-data.png", "Extra compressed data" },
    };

    /// <summary>Builds the file <paramref name="name"/> of <see cref="CorruptFiles"/> (or "good.jpg", "good.png").</summary>
    public static byte[] Build(string name)
    {
        byte[] jpeg = HostileImages.Sample(ImageFormat.Jpeg, s_jpegSize);
        return name switch
        {
            "good.jpg" => jpeg,
            "good.png" => HostileImages.Png(s_pngSize),
            "garbage.jpg" => HostileImages.JpegWithGarbage(jpeg),
            "early-eoi.jpg" => HostileImages.JpegEndingEarlyWithEoi(jpeg),
            "taller.jpg" => HostileImages.JpegTallerThanItsData(jpeg, 2),
            "cut-in-idat.png" => HostileImages.Png(s_pngSize) is var png ? png[..(png.Length * 2 / 3)] : [],
            "idat-crc.png" => HostileImages.Png(s_pngSize, breakIdatCrc: true),
            "stream-ends-early.png" => HostileImages.Png(s_pngSize, idat: stream => stream[..(stream.Length / 2)]),
            "extra-data.png" => HostileImages.Png(s_pngSize, idat: stream => [.. stream, .. "trailing junk"u8]),
            _ => throw new ArgumentException(name, nameof(name)),
        };
    }

    [Theory]
    [MemberData(nameof(CorruptFiles))]
    public async Task Process_CorruptFile_WholeImage_Exit3_OneLineNamingTheProblem(string name, string problem)
    {
        File.WriteAllBytes(Path.Combine(_directory, name), Build(name));
        string output = "out" + Path.GetExtension(name);

        var result = await Cli.RunAsync(_directory, "process", name, "-o", output, "-m", "threads", "-w", "2", "--no-stream");

        AssertInputError(result, name, problem, output);
    }

    [Theory]
    [MemberData(nameof(CorruptFiles))]
    public async Task Process_CorruptFile_Streamed_Exit3_OneLineNamingTheProblem(string name, string problem)
    {
        File.WriteAllBytes(Path.Combine(_directory, name), Build(name));
        string output = "out" + Path.GetExtension(name);

        var result = await Cli.RunAsync(_directory, "process", name, "-o", output, "-m", "threads", "-w", "2", "--strip-rows", "16");

        AssertInputError(result, name, problem, output);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Process_PngWithBrokenAncillaryChunks_StillDecodes(bool noStream)
    {
        // A text chunk with a bad CRC and a gAMA of the wrong length: libpng warns and drops them, the pixels are fine.
        byte[] png = HostileImages.Png(s_pngSize, idat: null, breakIdatCrc: false, ("tEXt", "Comment\0hello"u8.ToArray(), true), ("gAMA", [0, 1], false));
        File.WriteAllBytes(Path.Combine(_directory, "odd.png"), png);
        string[] args = ["process", "odd.png", "-o", "out.png", "-m", "threads", .. noStream ? ["--no-stream"] : Array.Empty<string>()];

        var result = await Cli.RunAsync(_directory, args);

        Assert.True(result.ExitCode == 0, result.Stderr);
        using var expected = PixelBuffer.Allocate(s_pngSize);
        SampleImage.Generate(expected);
        LookupTable.Create(new LutParameters(0.5, 1.2)).ApplyInPlace(expected.Span);
        using var actual = ImageFile.Load(Path.Combine(_directory, "out.png"));
        Assert.True(expected.Span.SequenceEqual(actual.Span));
    }

    [Theory]
    [InlineData("threads", "files")]
    [InlineData("pipe", "files")]
    [InlineData("threads", "strips")]
    public async Task Batch_CorruptFilesFailAlone_TheOthersAreWritten_Exit3(string mode, string strategy)
    {
        string photos = Directory.CreateDirectory(Path.Combine(_directory, "photos")).FullName;
        string[] corrupt = [.. CorruptFiles.Select(row => (string)row[0])];
        foreach (string name in corrupt.Append("good.jpg").Append("good.png"))
        {
            File.WriteAllBytes(Path.Combine(photos, name), Build(name));
        }

        var result = await Cli.RunAsync(_directory, "process", "photos", "-o", "out", "-m", mode, "-w", "2", "--batch-strategy", strategy, "--json");

        Assert.True(result.ExitCode == 3, result.Stderr);
        using var json = JsonDocument.Parse(result.Stdout);
        var failed = json.RootElement.GetProperty("files").EnumerateArray().Where(f => !f.GetProperty("ok").GetBoolean()).Select(f => Path.GetFileName(f.GetProperty("input").GetString()!));
        Assert.Equal(corrupt.Order(StringComparer.Ordinal), failed.Order(StringComparer.Ordinal));
        Assert.Equal(["good.jpg", "good.png"], Directory.GetFiles(Path.Combine(_directory, "out")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    private void AssertInputError(Cli.Result result, string name, string problem, string output)
    {
        Assert.True(result.ExitCode == 3, $"exit {result.ExitCode}: {result.Stderr}");
        string line = Assert.Single(result.ErrorLines);
        Assert.StartsWith($"processfarm: '{name}': ", line, StringComparison.Ordinal);
        Assert.Contains(problem, line, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_directory, output)));
    }
}
