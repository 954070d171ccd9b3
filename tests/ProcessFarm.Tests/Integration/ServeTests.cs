using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using ProcessFarm.Coordinator.Execution;
using ProcessFarm.Coordinator.Serve;
using ProcessFarm.Shared.Imaging;
using ProcessFarm.Shared.Native;
using Xunit;

namespace ProcessFarm.Tests.Integration;

/// <summary>
/// <c>processfarm serve</c>: the page driven in real headless Chromium, the HTTP API, and the session's
/// drop-the-overtaken rule; every served process and worker gone after SIGTERM.
/// </summary>
[AssertNoLeaks]
[Collection(WorkerCollection.Name)]
public sealed partial class ServeTests : IDisposable
{
    private readonly string _directory = TestHelpers.CreateTempDirectory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Browser_SliderAndModeChangeThePreview_FastDragsDropOvertakenRequests()
    {
        string script = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../scripts/browser-test/preview-check.mjs"));
        Assert.True(File.Exists(script), $"{script} is missing");
        await using var server = await Server.StartAsync(_directory, "--sample-size", "1200x800", "-w", "2");

        var info = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(script)! };
        info.ArgumentList.Add(script);
        info.ArgumentList.Add(server.Address.ToString());
        var run = await Cli.RunAsync(info);

        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        using var json = JsonDocument.Parse(run.Stdout);
        var seen = json.RootElement;
        var first = seen.GetProperty("first");
        var afterSlider = seen.GetProperty("afterSlider");
        var afterMode = seen.GetProperty("afterMode");
        var afterDrag = seen.GetProperty("afterDrag");
        var afterBadUpload = seen.GetProperty("afterBadUpload");

        // The first preview: the status bar as in the article, the image at its size (1200 fits in 1280).
        Assert.Matches(@"^Processed in [\d.]+ ms \(Rendered in [\d.]+ ms\)$", first.GetProperty("status").GetString());
        Assert.Equal("threads", first.GetProperty("mode").GetString());
        Assert.Equal((1200, 800), (first.GetProperty("width").GetInt32(), first.GetProperty("height").GetInt32()));

        // Moving the exposure slider changes the preview and the status bar.
        Assert.Contains("ev=-0.8", afterSlider.GetProperty("query").GetString(), StringComparison.Ordinal);
        Assert.NotEqual(first.GetProperty("hash").GetUInt32(), afterSlider.GetProperty("hash").GetUInt32());
        Assert.NotEqual(first.GetProperty("status").GetString(), afterSlider.GetProperty("status").GetString());

        // Switching to shm: worker processes with descriptor transfer in the status, and the very same pixels.
        Assert.Equal("shm", afterMode.GetProperty("mode").GetString());
        Assert.Contains("shm, 2 worker processes", afterMode.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("descriptor transfer", afterMode.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(afterSlider.GetProperty("hash").GetUInt32(), afterMode.GetProperty("hash").GetUInt32());

        // A fast drag: the last position is what is shown, and positions overtaken on the way were dropped.
        Assert.Contains("gamma=" + afterDrag.GetProperty("gammaAfterDrag").GetString(), afterDrag.GetProperty("query").GetString(), StringComparison.Ordinal);
        Assert.True(afterDrag.GetProperty("dropped").GetInt32() > 0, afterDrag.GetProperty("counters").GetString());
        Assert.NotEqual(afterMode.GetProperty("hash").GetUInt32(), afterDrag.GetProperty("hash").GetUInt32());

        // A file that is not an image: the CLI's message on the page, the previous image kept.
        Assert.Contains("not an image this program reads", afterBadUpload.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(afterDrag.GetProperty("hash").GetUInt32(), afterBadUpload.GetProperty("hash").GetUInt32());
        Assert.All(seen.GetProperty("consoleErrors").EnumerateArray(), e => Assert.Contains("400", e.GetString(), StringComparison.Ordinal));

        await server.StopAndAssertCleanAsync();
    }

    [Fact]
    public async Task Api_ValidatesParameters_UploadsWithTheClisLimits_AndDownloadsFullSize()
    {
        await using var server = await Server.StartAsync(_directory, "--sample-size", "640x480", "-w", "2", "--max-pixels", "1000000", "-m", "pipe");
        using var http = new HttpClient { BaseAddress = server.Address, Timeout = TestHelpers.Timeout };

        var badGamma = await http.GetAsync(new Uri("api/preview?gamma=0", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, badGamma.StatusCode);
        Assert.Contains("gamma", await badGamma.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var badMode = await http.GetAsync(new Uri("api/preview?mode=gpu", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, badMode.StatusCode);

        var preview = await http.GetAsync(new Uri("api/preview?ev=0.2&gamma=1.5", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
        Assert.Equal("pipe", preview.Headers.GetValues("X-ProcessFarm-Mode").Single());
        Assert.Contains("serialize;dur=", preview.Headers.GetValues("Server-Timing").Single(), StringComparison.Ordinal);

        // Upload: too many pixels for --max-pixels, then a good PNG that becomes the image.
        var big = EncodePng(new ImageGeometry(2000, 1000, 3));
        var refused = await http.PostAsync(new Uri("api/image?name=big.png", UriKind.Relative), new ByteArrayContent(big));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("big.png", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var accepted = await http.PostAsync(new Uri("api/image?name=small.png", UriKind.Relative), new ByteArrayContent(EncodePng(new ImageGeometry(300, 200, 3))));
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        using (var state = JsonDocument.Parse(await accepted.Content.ReadAsStringAsync()))
        {
            Assert.Equal(300, state.RootElement.GetProperty("image").GetProperty("width").GetInt32());
        }

        // Full size: the whole uploaded image, processed, as a download named after it.
        var full = await http.GetAsync(new Uri("api/full?ev=0.2&gamma=1.5&mode=shm&workers=2", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, full.StatusCode);
        Assert.Equal("small-processed.jpg", full.Content.Headers.ContentDisposition?.FileNameStar ?? full.Content.Headers.ContentDisposition?.FileName);
        using var decoder = ImageDecoder.Open(await full.Content.ReadAsByteArrayAsync(), long.MaxValue);
        Assert.Equal((300, 200), (decoder.Info.Width, decoder.Info.Height));

        await server.StopAndAssertCleanAsync();
    }

    [Fact]
    public async Task Session_PreviewsOvertakenWhileWaiting_AreDropped_NotRun()
    {
        var geometry = new ImageGeometry(1500, 1000, 3);
        var image = PixelBuffer.Allocate(geometry);
        SampleImage.Generate(image);
        await using var session = PreviewSession.Create(image, ImageHeader.ForPixels(image.Geometry), "sample", (mode, workers) => ModeEquivalenceTests.Create(mode, workers), long.MaxValue);

        // Five previews issued at once: the first runs (it found the gate free); the next three are overtaken by the
        // fifth before their turn comes and are dropped; the fifth, the newest, runs.
        var renders = Enumerable.Range(0, 5)
            .Select(i => session.RenderAsync(new RenderRequest(0.1 * i, 1.2, ExecutionMode.Pipe, 2), preview: true, TestHelpers.TimeoutToken()))
            .ToArray();
        var results = await Task.WhenAll(renders).DefaultTimeout();

        Assert.Equal([true, false, false, false, true], results.Select(r => r is not null));
        Assert.Equal(new ImageGeometry(1280, 853, 3), results[4]!.Geometry);
        // A full-size render is never dropped.
        var full = await session.RenderAsync(new RenderRequest(0, 1, ExecutionMode.Threads, 2), preview: false, TestHelpers.TimeoutToken()).DefaultTimeout();
        Assert.Equal(geometry, full!.Geometry);
    }

    [Fact]
    public async Task Session_PhoneUploadWithOrientation6_PreviewIsUpright_FullSizeKeepsTheExif()
    {
        await using var session = PreviewSession.Create(PixelBuffer.Allocate(new ImageGeometry(8, 8, 3)), ImageHeader.ForPixels(new ImageGeometry(8, 8, 3)), "start", (mode, workers) => ModeEquivalenceTests.Create(mode, workers), long.MaxValue);

        await session.LoadAsync(PhotoFolder.Build("phone.jpg"), "phone.jpg", TestHelpers.TimeoutToken()).DefaultTimeout();
        var preview = await session.RenderAsync(new RenderRequest(0, 1, ExecutionMode.Threads, 2), preview: true, TestHelpers.TimeoutToken()).DefaultTimeout();
        var full = await session.RenderAsync(new RenderRequest(0, 1, ExecutionMode.Threads, 2), preview: false, TestHelpers.TimeoutToken()).DefaultTimeout();

        // Stored 97 x 61 and turned 90 degrees to be viewed: the preview (no EXIF) is 61 x 97.
        Assert.Equal(new ImageGeometry(PhotoFolder.Height, PhotoFolder.Width, 3), preview!.Geometry);
        var shown = SixLabors.ImageSharp.Image.Identify(preview.Jpeg);
        Assert.Equal((PhotoFolder.Height, PhotoFolder.Width), (shown.Width, shown.Height));
        // The full-size download keeps the pixels as stored and the EXIF that turns them.
        var downloaded = SixLabors.ImageSharp.Image.Identify(full!.Jpeg);
        Assert.Equal((PhotoFolder.Width, PhotoFolder.Height), (downloaded.Width, downloaded.Height));
        Assert.Equal((ushort)6, downloaded.Metadata.ExifProfile?.GetValue(SixLabors.ImageSharp.Metadata.Profiles.Exif.ExifTag.Orientation)?.Value);
    }

    [Fact]
    public void Downscale_FitsTheBox_AndAveragesEveryCoveredPixel()
    {
        Assert.Equal(new ImageGeometry(1280, 853, 3), Downscale.FitWithin(new ImageGeometry(6000, 4000, 3), 1280));
        Assert.Equal(new ImageGeometry(300, 200, 1), Downscale.FitWithin(new ImageGeometry(300, 200, 1), 1280));

        // A 4x4 checkerboard of 2x2 blocks (0 and 200) reduced to 2x2: each output pixel samples one block's pixels.
        using var source = PixelBuffer.Allocate(new ImageGeometry(8, 8, 1));
        for (int y = 0; y < 8; y++)
        {
            for (int x = 0; x < 8; x++)
            {
                source.Span[(y * 8) + x] = (byte)((x / 4) == (y / 4) ? 200 : 0);
            }
        }
        using var target = PixelBuffer.Allocate(new ImageGeometry(2, 2, 1));
        Downscale.Average(source, target);
        Assert.Equal([200, 0, 0, 200], target.Span.ToArray());
    }

    [Fact]
    public void Downscale_FineTexture_AveragesToItsMean_NoMoire()
    {
        // One-pixel stripes of 0 and 255 over 9 columns into 2: sampling would pick stripes of one colour; the
        // box average sees every pixel: 5 and 4 columns, 2 and 2 of them lit.
        using var source = PixelBuffer.Allocate(new ImageGeometry(9, 4, 1));
        for (int i = 0; i < 36; i++)
        {
            source.Span[i] = (byte)(i % 9 % 2 == 1 ? 255 : 0);
        }
        using var target = PixelBuffer.Allocate(new ImageGeometry(2, 1, 1));

        Downscale.Average(source, target);

        Assert.Equal([102, 128], target.Span.ToArray()); // 2 of 5 lit: 102; 2 of 4: 127.5 rounds up
    }

    [Theory]
    [InlineData(1, 2, 1, new byte[] { 10, 20 })]
    [InlineData(6, 1, 2, new byte[] { 10, 20 })] // rotate 90 clockwise: the left pixel ends on top
    [InlineData(8, 1, 2, new byte[] { 20, 10 })] // rotate 90 counter-clockwise: the right pixel ends on top
    [InlineData(3, 2, 1, new byte[] { 20, 10 })]
    public void Downscale_KeepsThePhotosOrientation(int orientation, int width, int height, byte[] expected)
    {
        using var source = PixelBuffer.Allocate(new ImageGeometry(2, 1, 1));
        source.Span[0] = 10;
        source.Span[1] = 20;
        var geometry = Downscale.FitWithin(source.Geometry, 1280, orientation);
        Assert.Equal(new ImageGeometry(width, height, 1), geometry);
        using var target = PixelBuffer.Allocate(geometry);

        Downscale.Average(source, target, orientation);

        Assert.Equal(expected, target.Span.ToArray());
    }

    [Fact]
    public void Downscale_Alpha_IsCompositedOverWhite_SixteenBitsRounded()
    {
        using var source = PixelBuffer.Allocate(new ImageGeometry(1, 1, 4, 16));
        ushort[] samples = [0, 65535, 32768, 0]; // transparent: white shows
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(samples.AsSpan()).CopyTo(source.Span);
        using var target = PixelBuffer.Allocate(Downscale.FitWithin(source.Geometry, 1280));

        Downscale.Average(source, target);

        Assert.Equal([255, 255, 255], target.Span.ToArray());
    }

    private static byte[] EncodePng(ImageGeometry geometry)
    {
        using var sample = PixelBuffer.Allocate(geometry);
        SampleImage.Generate(sample);
        using var encoder = ImageEncoder.Begin(ImageFormat.Png, geometry.Width, geometry.Height, geometry.Channels);
        encoder.WriteRows(sample.Span, geometry.RowBytes, geometry.Height);
        return encoder.Finish().ToArray();
    }

    [GeneratedRegex(@"http://127\.0\.0\.1:\d+/")]
    private static partial Regex AddressPattern();

    /// <summary>A running <c>processfarm serve --port 0</c>, its workers marked so that none can outlive it unnoticed.</summary>
    private sealed class Server : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly string _marker;

        private Server(Process process, string marker, Uri address)
        {
            _process = process;
            _marker = marker;
            Address = address;
        }

        public Uri Address { get; }

        /// <summary>The server process's resident memory now (VmRSS).</summary>
        public long ResidentBytes => Status("VmRSS:");

        /// <summary>The server process's peak resident memory so far (VmHWM).</summary>
        public long PeakResidentBytes => Status("VmHWM:");

        private long Status(string field)
        {
            string line = File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith(field, StringComparison.Ordinal));
            return long.Parse(line.AsSpan(field.Length).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture) * 1024;
        }

        public static async Task<Server> StartAsync(string directory, params string[] args)
        {
            var info = Cli.StartInfo(directory, ["serve", "--port", "0", .. args]);
            string marker = "PROCESSFARM_TEST_RUN=" + Guid.NewGuid().ToString("N");
            info.Environment["PROCESSFARM_TEST_RUN"] = marker[(marker.IndexOf('=') + 1)..];
            var process = Process.Start(info)!;
            string? line = await process.StandardOutput.ReadLineAsync(TestHelpers.TimeoutToken());
            var match = AddressPattern().Match(line ?? string.Empty);
            if (!match.Success)
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"serve printed no address: '{line}' {await process.StandardError.ReadToEndAsync()}");
            }
            return new Server(process, marker, new Uri(match.Value));
        }

        /// <summary>SIGTERM, as a service manager stops it: exit 0, and no process of its run left.</summary>
        public async Task StopAndAssertCleanAsync()
        {
            using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync(TestHelpers.TimeoutToken());
            }
            await _process.WaitForExitAsync(TestHelpers.TimeoutToken());
            Assert.True(_process.ExitCode == 0, await _process.StandardError.ReadToEndAsync());
            Assert.Contains("stopped", await _process.StandardOutput.ReadToEndAsync(), StringComparison.Ordinal);
            Assert.Empty(LiveProcesses.WithEnvironment(_marker));
        }

        public ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }
            _process.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
