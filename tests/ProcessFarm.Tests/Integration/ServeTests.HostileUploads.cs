using System.Diagnostics;
using System.Globalization;
using System.Net;
using ProcessFarm.Shared.Imaging;
using Xunit;

namespace ProcessFarm.Tests.Integration;

/// <summary>
/// Tiny files declaring huge images (and one carrying a text bomb), uploaded to a running <c>serve</c>: each is
/// refused (the bomb accepted) fast, and the server's peak resident memory (VmHWM, read from /proc while it runs)
/// does not grow with what the file claims.
/// </summary>
public sealed partial class ServeTests
{
    /// <summary>Peak RSS may grow this much over all hostile uploads (before the limits: 0.5 to 4.5 GB per file).</summary>
    private const long MaxPeakGrowthBytes = 64L << 20;

    private static readonly string[] s_hostileUploads = ["huge-chunk.png", "text-bomb.png", "forged-size.png", "progressive-500mp.jpg"];

    public static byte[] BuildHostile(string name) => name switch
    {
        "huge-chunk.png" => HostileImages.PngWithHugeChunk(),
        "text-bomb.png" => HostileImages.PngWithTextBomb(chunks: 64),
        "forged-size.png" => HostileImages.PngDeclaringMoreThanItsData(20_000, 20_000),
        "progressive-500mp.jpg" => HostileImages.ProgressiveJpegDeclaring500Megapixels(),
        _ => throw new ArgumentException(name, nameof(name)),
    };

    [Fact]
    public async Task Upload_TinyFilesDeclaringHugeImages_FailFast_PeakMemoryStaysSmall()
    {
        await using var server = await Server.StartAsync(_directory, "--sample-size", "64x48", "-w", "1", "-m", "threads");
        using var http = new HttpClient { BaseAddress = server.Address, Timeout = TestHelpers.Timeout };
        // Warm up the upload path with a good file, so the baseline includes what serving an upload costs.
        var warm = await http.PostAsync(new Uri("api/image?name=small.png", UriKind.Relative), new ByteArrayContent(EncodePng(new ImageGeometry(64, 48, 3))));
        Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        long baseline = server.PeakResidentBytes;

        var report = new List<string>();
        foreach (string name in s_hostileUploads)
        {
            byte[] file = BuildHostile(name);
            var watch = Stopwatch.StartNew();
            var answer = await http.PostAsync(new Uri($"api/image?name={name}", UriKind.Relative), new ByteArrayContent(file));
            watch.Stop();
            long peak = server.PeakResidentBytes;
            report.Add(string.Create(CultureInfo.InvariantCulture, $"{name} ({file.Length} bytes): {watch.ElapsedMilliseconds} ms, peak RSS +{(peak - baseline) >> 20} MB, {answer.StatusCode}"));

            if (name == "text-bomb.png")
            {
                Assert.Equal(HttpStatusCode.OK, answer.StatusCode); // a valid 16x1 image; its text is never read
            }
            else
            {
                Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
                Assert.Contains(name, await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), string.Join("; ", report));
            Assert.True(peak - baseline < MaxPeakGrowthBytes, string.Join("; ", report));
        }

        await server.StopAndAssertCleanAsync();
    }
}
