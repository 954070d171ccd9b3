using System.Diagnostics;
using System.Text.Json;
using ProcessFarm.Shared.Imaging;
using ProcessFarm.Shared.Native;
using Xunit;

namespace ProcessFarm.Tests.Integration;

/// <summary>
/// Tiny files whose headers declare huge images (below <c>--max-pixels</c>) fail at once with exit code 3 and one
/// line, in the streaming and the whole-image path; large images whose data is real still decode.
/// </summary>
[AssertNoLeaks]
[Collection(WorkerCollection.Name)]
public sealed class HostileSizeTests : IDisposable
{
    /// <summary>How much longer than refusing an empty file refusing a hostile one may take (before the limits: 1.8 to 9 s).</summary>
    private static readonly TimeSpan s_slack = TimeSpan.FromMilliseconds(750);
    private readonly string _directory = TestHelpers.CreateTempDirectory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    public static TheoryData<string, string, bool, string> HostileFiles => new()
    {
        { "huge-chunk.png", "threads", false, "declares 2147483647 bytes" },
        { "huge-chunk.png", "shm", true, "declares 2147483647 bytes" },
        { "forged-size.png", "shm", true, "too few to hold them" },
        { "progressive-500mp.jpg", "threads", false, "can describe at most" },
        { "progressive-500mp.jpg", "shm", true, "can describe at most" },
    };

    [Theory]
    [MemberData(nameof(HostileFiles))]
    public async Task Process_TinyFileDeclaringAHugeImage_FailsFast_Exit3_OneLine(string name, string mode, bool noStream, string problem)
    {
        File.WriteAllBytes(Path.Combine(_directory, name), ServeTests.BuildHostile(name));
        File.WriteAllBytes(Path.Combine(_directory, "empty" + Path.GetExtension(name)), []);
        string[] flags = ["-m", mode, "-w", "1", .. noStream ? ["--no-stream"] : Array.Empty<string>()];

        var (reference, referenceTime) = await TimedRunAsync(["process", "empty" + Path.GetExtension(name), "-o", "out.png", .. flags]);
        var (result, elapsed) = await TimedRunAsync(["process", name, "-o", "out.png", .. flags]);

        Assert.Equal(3, reference.ExitCode);
        Assert.Equal(3, result.ExitCode);
        string line = Assert.Single(result.ErrorLines);
        Assert.Contains(problem, line, StringComparison.Ordinal);
        Assert.True(elapsed < referenceTime + s_slack, $"{elapsed.TotalMilliseconds:0} ms, refusing an empty file took {referenceTime.TotalMilliseconds:0} ms");
    }

    [Fact]
    public async Task Process_PngWithTextBomb_CarriesTheTextUninflated_AsFastAsWithoutIt()
    {
        // 64 zTXt chunks of 8 KB that inflate to 7.9 MB each: libpng used to inflate and keep all 500 MB. They are
        // metadata now, copied to the output as they are (never inflated), and the pixels are the same.
        File.WriteAllBytes(Path.Combine(_directory, "plain.png"), HostileImages.PngWithTextBomb(chunks: 0));
        File.WriteAllBytes(Path.Combine(_directory, "bomb.png"), HostileImages.PngWithTextBomb(chunks: 64));

        var (reference, referenceTime) = await TimedRunAsync(["process", "plain.png", "-o", "plain-out.png", "-m", "threads"]);
        var (result, elapsed) = await TimedRunAsync(["process", "bomb.png", "-o", "bomb-out.png", "-m", "threads"]);

        Assert.True(reference.ExitCode == 0, reference.Stderr);
        Assert.True(result.ExitCode == 0, result.Stderr);
        using (var plain = ImageFile.Load(Path.Combine(_directory, "plain-out.png")))
        using (var bomb = ImageFile.Load(Path.Combine(_directory, "bomb-out.png")))
        {
            Assert.True(plain.Span.SequenceEqual(bomb.Span));
        }
        using var written = ImageDecoder.Open(Path.Combine(_directory, "bomb-out.png"), long.MaxValue);
        var texts = written.ReadMetadata().Where(block => block.Kind == 0x7A545874).ToList(); // zTXt
        Assert.Equal(64, texts.Count);
        Assert.All(texts, text => Assert.True(text.Data.Length < 16_000, "a text chunk was inflated"));
        Assert.True(elapsed < referenceTime + s_slack, $"{elapsed.TotalMilliseconds:0} ms, the same image without the text took {referenceTime.TotalMilliseconds:0} ms");
    }

    [Fact]
    public async Task Process_24MegapixelSampleAsJpeg_StillDecodes()
    {
        File.WriteAllBytes(Path.Combine(_directory, "sample.jpg"), HostileImages.Sample(ImageFormat.Jpeg, SampleImage.DefaultGeometry));

        var result = await Cli.RunAsync(_directory, "process", "sample.jpg", "-o", "out.jpg", "-m", "threads", "--json");

        Assert.True(result.ExitCode == 0, result.Stderr);
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.Equal(6000, json.RootElement.GetProperty("width").GetInt32());
        Assert.Equal(4000, json.RootElement.GetProperty("height").GetInt32());
    }

    [Fact]
    public async Task Process_ProgressiveJpegOfSixMegapixels_StreamedAndWhole_Agree()
    {
        var geometry = new ImageGeometry(3000, 2000, 3);
        using (var pixels = PixelBuffer.Allocate(geometry))
        {
            SampleImage.Generate(pixels);
            using var encoder = ImageEncoder.BeginProgressiveJpeg(geometry.Width, geometry.Height, geometry.Channels);
            encoder.WriteRows(pixels.Span, geometry.RowBytes, geometry.Height);
            File.WriteAllBytes(Path.Combine(_directory, "progressive.jpg"), encoder.Finish().ToArray());
        }

        var streamed = await Cli.RunAsync(_directory, "process", "progressive.jpg", "-o", "streamed.png", "-m", "threads");
        var whole = await Cli.RunAsync(_directory, "process", "progressive.jpg", "-o", "whole.png", "-m", "shm", "-w", "2", "--no-stream");

        Assert.True(streamed.ExitCode == 0, streamed.Stderr);
        Assert.True(whole.ExitCode == 0, whole.Stderr);
        Assert.Equal(File.ReadAllBytes(Path.Combine(_directory, "whole.png")), File.ReadAllBytes(Path.Combine(_directory, "streamed.png")));
    }

    private async Task<(Cli.Result Result, TimeSpan Elapsed)> TimedRunAsync(string[] args)
    {
        var watch = Stopwatch.StartNew();
        var result = await Cli.RunAsync(_directory, args);
        return (result, watch.Elapsed);
    }
}
