using System.Text.Json;
using ProcessFarm.Coordinator.Execution;
using ProcessFarm.Coordinator.Processing;
using ProcessFarm.Shared.Imaging;
using ProcessFarm.Shared.Native;
using Xunit;

namespace ProcessFarm.Tests.Integration;

/// <summary>
/// Streaming decode → kernel → encode: byte-identical to the whole-image path in every mode, a ring far smaller
/// than the image, interlaced PNGs taken whole, and a failure half-way through cleaned up.
/// </summary>
[AssertNoLeaks]
[Collection(WorkerCollection.Name)]
public sealed class StreamingTests : IDisposable
{
    private static readonly ImageGeometry s_photo = new(301, 203, 3);
    private readonly string _directory = TestHelpers.CreateTempDirectory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("serial", "jpg")]
    [InlineData("threads", "jpg")]
    [InlineData("pipe", "jpg")]
    [InlineData("shm", "jpg")]
    [InlineData("threads", "png")]
    [InlineData("shm", "png")]
    public async Task Streamed_IsByteIdenticalToTheWholeImagePath(string mode, string format)
    {
        string input = WritePhoto($"photo.{format}");

        var streamed = await Cli.RunAsync(_directory, "process", input, "-o", $"streamed.{format}", "-m", mode, "-w", "2", "--strip-rows", "16", "--tile-rows", "5", "--json");
        var whole = await Cli.RunAsync(_directory, "process", input, "-o", $"whole.{format}", "-m", mode, "-w", "2", "--no-stream", "--json");

        Assert.True(streamed.ExitCode == 0, streamed.Stderr);
        Assert.True(whole.ExitCode == 0, whole.Stderr);
        Assert.Equal(File.ReadAllBytes(Path.Combine(_directory, $"whole.{format}")), File.ReadAllBytes(Path.Combine(_directory, $"streamed.{format}")));

        using var report = JsonDocument.Parse(streamed.Stdout);
        var r = report.RootElement;
        Assert.True(r.GetProperty("streamed").GetBoolean());
        Assert.Equal((203 + 15) / 16, r.GetProperty("strips").GetInt32());
        Assert.Equal(16, r.GetProperty("strip_rows").GetInt32());
        // A ring of 4 strips of 16 rows (twice in shm: source and output halves) instead of 203 rows.
        long ring = 4L * 16 * s_photo.RowBytes * (mode == "shm" ? 2 : 1);
        Assert.Equal(ring, r.GetProperty("pixel_memory_bytes").GetInt64());
        using var wholeReport = JsonDocument.Parse(whole.Stdout);
        Assert.False(wholeReport.RootElement.GetProperty("streamed").GetBoolean());
        Assert.True(wholeReport.RootElement.GetProperty("pixel_memory_bytes").GetInt64() >= s_photo.ByteLength);
    }

    [Fact]
    public async Task StreamedPng_EqualsTheReferenceLut()
    {
        string input = WritePhoto("photo.png");

        var result = await Cli.RunAsync(_directory, "process", input, "-o", "out.png", "-m", "shm", "-w", "2", "--strip-rows", "7", "--ev", "-0.4", "--gamma", "0.8");

        Assert.True(result.ExitCode == 0, result.Stderr);
        using var expected = ImageFile.Load(input);
        LookupTable.Create(new LutParameters(-0.4, 0.8)).ApplyInPlace(expected.Span);
        using var actual = ImageFile.Load(Path.Combine(_directory, "out.png"));
        Assert.True(expected.Span.SequenceEqual(actual.Span));
    }

    [Fact]
    public async Task InterlacedPng_IsProcessedWhole()
    {
        byte[] pixels = [10, 20, 30, 40, 50, 60, 70, 80, 90, 200, 210, 220];
        string input = Path.Combine(_directory, "interlaced.png");
        File.WriteAllBytes(input, HostileImages.InterlacedPng2x2(pixels));
        using (var decoder = ImageDecoder.Open(input, 100))
        {
            Assert.True(decoder.Info.RequiresWholeImage);
        }

        var result = await Cli.RunAsync(_directory, "process", input, "-o", "out.png", "-m", "threads", "--json");

        Assert.True(result.ExitCode == 0, result.Stderr);
        using var report = JsonDocument.Parse(result.Stdout);
        Assert.False(report.RootElement.GetProperty("streamed").GetBoolean());
        var lut = LookupTable.Create(new LutParameters(0.5, 1.2));
        byte[] expected = new byte[pixels.Length];
        lut.Apply(pixels, expected);
        using var actual = ImageFile.Load(Path.Combine(_directory, "out.png"));
        Assert.Equal(expected, actual.Span.ToArray());
    }

    [Theory]
    [InlineData("threads")]
    [InlineData("pipe")]
    [InlineData("shm")]
    public async Task CorruptHalfWay_StopsEveryStage_WithAnInputError_AndNoOutput(string mode)
    {
        // The header and the first strips decode; the data then ends.
        string whole = WritePhoto("whole.jpg");
        byte[] bytes = File.ReadAllBytes(whole);
        string input = Path.Combine(_directory, "cut.jpg");
        File.WriteAllBytes(input, bytes[..(bytes.Length * 2 / 3)]);

        var result = await Cli.RunAsync(_directory, "process", input, "-o", "out.jpg", "-m", mode, "-w", "2", "--strip-rows", "16");

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("cut.jpg", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(["cut.jpg", "whole.jpg"], Directory.GetFiles(_directory).Select(Path.GetFileName).Order());
    }

    [Theory]
    [InlineData("threads", 2)]
    [InlineData("pipe", 2)]
    [InlineData("shm", 3)]
    public async Task Pipeline_InProcess_EqualsTheLutOverTheWholeImage(string mode, int workers)
    {
        // The pipeline itself, with the engine in this process (so the leak check covers its workers and region).
        var geometry = new ImageGeometry(257, 190, 4);
        var parameters = new LutParameters(0.3, 1.4);
        await using var engine = ModeEquivalenceTests.Create(ExecutionModes.Parse(mode), workers);
        using var encoder = ImageCodecs.CreateWriter("out.png", ImageHeader.ForPixels(geometry), CodecChoice.Auto, 90);
        var plan = StripPlan.For(geometry, engine, stripRows: 24);

        var stats = await StripPipeline.RunAsync(new SampleRowSource(geometry), encoder, engine, parameters, plan, TestHelpers.TimeoutToken()).DefaultTimeout();

        Assert.Equal(8, stats.Strips);
        using var expected = PixelBuffer.Allocate(geometry);
        SampleImage.Generate(expected);
        LookupTable.Create(parameters).ApplyInPlace(expected.Span, geometry.Layout);
        using var decoder = ImageDecoder.Open(encoder.Finish().ToArray(), long.MaxValue);
        using var actual = ImageFile.DecodeAll(decoder, PixelBuffer.Allocate);
        Assert.True(expected.Span.SequenceEqual(actual.Span));
    }

    [Fact]
    public async Task Pipeline_SourceFailure_IsTheErrorThrown_AndTheRingIsReleased()
    {
        var geometry = new ImageGeometry(64, 100, 3);
        await using var engine = ModeEquivalenceTests.Create(ExecutionMode.Shm, 2);
        using var encoder = ImageCodecs.CreateWriter("out.png", ImageHeader.ForPixels(geometry), CodecChoice.Auto, 90);
        var plan = StripPlan.For(geometry, engine, stripRows: 10);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => StripPipeline.RunAsync(new FailingSource(geometry, failAtRow: 50), encoder, engine, new LutParameters(0, 1), plan, TestHelpers.TimeoutToken()).DefaultTimeout());

        Assert.Contains("row 50", error.Message, StringComparison.Ordinal);
    }

    private string WritePhoto(string name)
    {
        string path = Path.Combine(_directory, name);
        using var sample = PixelBuffer.Allocate(s_photo);
        SampleImage.Generate(sample);
        ImageFile.Save(path, sample.Span, s_photo);
        return path;
    }

    private sealed class FailingSource(ImageGeometry geometry, int failAtRow) : IRowSource
    {
        private int _next;

        public ImageGeometry Geometry => geometry;

        public void Read(Span<byte> destination, int rows)
        {
            if (_next + rows > failAtRow)
            {
                throw new InvalidDataException($"no data at row {failAtRow}");
            }
            SampleImage.GenerateRows(destination, geometry, _next, rows);
            _next += rows;
        }
    }
}
