using System.Net;
using System.Text.Json;
using ProcessFarm.Coordinator.Serve;
using ProcessFarm.Shared.Imaging;
using Xunit;

namespace ProcessFarm.Tests.Integration;

/// <summary>
/// <c>serve</c> against other web pages and against its own failures: a foreign Host (DNS rebinding), a foreign
/// Origin or a cross-site fetch (CSRF) is refused, an upload that cannot be placed keeps the previous image.
/// </summary>
public sealed partial class ServeTests
{
    [Theory]
    [InlineData("Host", "rebind.attacker.example:{port}")]
    [InlineData("Host", "127.0.0.1:1")]
    [InlineData("Origin", "http://attacker.example")]
    [InlineData("Origin", "http://127.0.0.1:1")]
    [InlineData("Sec-Fetch-Site", "cross-site")]
    public async Task RequestsFromOtherPages_AreRefused_AndChangeNothing(string header, string value)
    {
        await using var server = await Server.StartAsync(_directory, "--sample-size", "320x200", "-w", "1");
        using var http = new HttpClient { BaseAddress = server.Address, Timeout = TestHelpers.Timeout };
        string forged = value.Replace("{port}", server.Address.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

        var upload = new HttpRequestMessage(HttpMethod.Post, new Uri("api/image?name=evil.png", UriKind.Relative)) { Content = new ByteArrayContent(EncodePng(new ImageGeometry(64, 48, 3))) };
        var preview = new HttpRequestMessage(HttpMethod.Get, new Uri("api/preview", UriKind.Relative));
        foreach (var request in new[] { upload, preview })
        {
            if (header == "Host")
            {
                request.Headers.Host = forged;
            }
            else
            {
                request.Headers.TryAddWithoutValidation(header, forged);
            }
            var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        // The image is still the sample, and a request from the page itself works.
        var same = new HttpRequestMessage(HttpMethod.Get, new Uri("api/state", UriKind.Relative));
        same.Headers.TryAddWithoutValidation("Origin", server.Address.GetLeftPart(UriPartial.Authority));
        same.Headers.TryAddWithoutValidation("Sec-Fetch-Site", "same-origin");
        var state = await http.SendAsync(same);
        Assert.Equal(HttpStatusCode.OK, state.StatusCode);
        using var json = JsonDocument.Parse(await state.Content.ReadAsStringAsync());
        Assert.Equal(320, json.RootElement.GetProperty("image").GetProperty("width").GetInt32());
        await server.StopAndAssertCleanAsync();
    }

    [Fact]
    public async Task ShmUpload_ThatCannotGetARegion_KeepsThePreviousImage_AndPreviewsWorking()
    {
        string shm = Directory.CreateDirectory(Path.Combine(_directory, "shm")).FullName;
        await using var server = await Server.StartAsync(_directory, "--sample-size", "320x200", "-w", "2", "-m", "shm", "--shm-dir", shm);
        using var http = new HttpClient { BaseAddress = server.Address, Timeout = TestHelpers.Timeout };
        var before = await http.GetByteArrayAsync(new Uri("api/preview?ev=0.3", UriKind.Relative)); // the shm pool and its region exist
        Directory.Delete(shm); // the next region has nowhere to go (as a full tmpfs would refuse it)

        var upload = await http.PostAsync(new Uri("api/image?name=new.png", UriKind.Relative), new ByteArrayContent(EncodePng(new ImageGeometry(400, 300, 3))));

        Assert.False(upload.IsSuccessStatusCode);
        Assert.Contains("shared-memory directory", await upload.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var after = await http.GetAsync(new Uri("api/preview?ev=0.3", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Equal(before, await after.Content.ReadAsByteArrayAsync());
        using var json = JsonDocument.Parse(await http.GetStringAsync(new Uri("api/state", UriKind.Relative)));
        Assert.Equal(320, json.RootElement.GetProperty("image").GetProperty("width").GetInt32());
        await server.StopAndAssertCleanAsync();
    }

    [Fact]
    public async Task ConcurrentUploads_AreReadAndDecodedOneAtATime()
    {
        var sample = PixelBuffer.Allocate(new ImageGeometry(320, 200, 3));
        SampleImage.Generate(sample);
        await using var session = PreviewSession.Create(sample, ImageHeader.ForPixels(sample.Geometry), "sample", (mode, workers) => ModeEquivalenceTests.Create(mode, workers), long.MaxValue);
        await using var server = await PreviewServer.StartAsync(session, new RenderRequest(0.5, 1.2, Coordinator.Execution.ExecutionMode.Threads, 1), IPAddress.Loopback, 0, TestHelpers.TimeoutToken());
        using var http = new HttpClient { BaseAddress = server.Address, Timeout = TestHelpers.Timeout };
        byte[] png = NoisePng(new ImageGeometry(1600, 1200, 3));

        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(i =>
            http.PostAsync(new Uri($"api/image?name=c{i}.png", UriKind.Relative), new ByteArrayContent(png)))).DefaultTimeout();

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(1, server.PeakConcurrentUploads);
    }

    [Fact]
    public async Task Uploads_GiveTheirMemoryBack_WhatStaysDoesNotGrowWithTheirNumber()
    {
        await using var server = await Server.StartAsync(_directory, "--sample-size", "320x200", "-w", "1");
        using var http = new HttpClient { BaseAddress = server.Address, Timeout = TestHelpers.Timeout };
        byte[] noise = NoisePng(new ImageGeometry(3000, 2500, 3)); // about 22 MB that PNG cannot compress

        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync(new Uri("api/image?name=first.png", UriKind.Relative), new ByteArrayContent(noise))).StatusCode);
        long afterOne = server.ResidentBytes;
        for (int round = 0; round < 3; round++)
        {
            var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(i =>
                http.PostAsync(new Uri($"api/image?name=r{round}-{i}.png", UriKind.Relative), new ByteArrayContent(noise)))).DefaultTimeout();
            Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        }
        long afterThirteen = server.ResidentBytes;

        // Twelve more uploads of the same size leave as much resident as one did (the image shown, and slack).
        Assert.True(afterThirteen - afterOne < noise.Length, $"{afterOne >> 20} MB resident after one upload, {afterThirteen >> 20} MB after thirteen");
        await server.StopAndAssertCleanAsync();
    }

    private static byte[] NoisePng(ImageGeometry geometry)
    {
        using var image = PixelBuffer.Allocate(geometry);
        new Random(7).NextBytes(image.Span);
        using var encoder = Shared.Native.ImageEncoder.Begin(Shared.Native.ImageFormat.Png, geometry.Width, geometry.Height, geometry.Channels);
        encoder.WriteRows(image.Span, geometry.RowBytes, geometry.Height);
        return encoder.Finish().ToArray();
    }
}
