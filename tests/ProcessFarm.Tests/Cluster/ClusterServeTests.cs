using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using ProcessFarm.Shared.Imaging;
using ProcessFarm.Tests.Integration;
using Xunit;

namespace ProcessFarm.Tests.Cluster;

/// <summary>
/// <c>serve --mode cluster</c> with a real node process: the page's API lists the node with its workers, jobs done
/// and bytes moved, keeps the page's origin checks, and shows the node gone once it is killed.
/// </summary>
[Collection(WorkerCollection.Name)]
public sealed class ClusterServeTests : IDisposable
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(90);
    private readonly string _directory = TestHelpers.CreateTempDirectory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task ServeInClusterMode_ListsTheNodeWithItsWorkersAndJobs_AndShowsItGoneAfterSigkill()
    {
        // Arrange: one node with 2 slots, and serve as this test's coordinator on a port chosen here.
        using var cluster = new ClusterProcesses();
        // serve first, then the node: serve waits for it (--node-wait-ms), whereas a node gives up joining after 20 s.
        int port = ClusterProcesses.FreePort();
        var serve = cluster.Start(Integration.Cli.StartInfo(_directory, "serve", "--port", port.ToString(CultureInfo.InvariantCulture), "-m", "cluster", "--listen", cluster.Listen, "--node-wait-ms", "60000", "--sample-size", "640x480", "-w", "2"));
        var node = cluster.StartNode(workers: 2);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TestHelpers.Timeout };
        await AssertAnswersAsync(http, serve, cluster);

        // Act: an upload, processed in cluster mode by the node's workers.
        var state = await GetJsonAsync(http, "api/state");
        var uploaded = await http.PostAsync(new Uri("api/image?name=upload.png", UriKind.Relative), new ByteArrayContent(EncodePng(new ImageGeometry(300, 200, 3))));
        var preview = await http.GetAsync(new Uri("api/preview?mode=cluster&workers=2&ev=0.3", UriKind.Relative));
        var nodes = await GetJsonAsync(http, "api/cluster");

        // Assert: the page offers the cluster mode, and the node is listed with its two workers and their work.
        Assert.True(state.GetProperty("cluster").GetBoolean());
        Assert.Contains("cluster", state.GetProperty("modes").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal(HttpStatusCode.OK, uploaded.StatusCode);
        Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
        Assert.Equal("cluster", preview.Headers.GetValues("X-ProcessFarm-Mode").Single());
        var listed = Assert.Single(nodes.GetProperty("nodes").EnumerateArray());
        Assert.False(listed.GetProperty("gone").GetBoolean());
        Assert.Equal(2, listed.GetProperty("slots").GetInt32());
        var workers = listed.GetProperty("workers").EnumerateArray().ToList();
        Assert.Equal(2, workers.Count);
        var live = cluster.LiveWorkers();
        Assert.All(workers, w => Assert.Contains(w.GetProperty("process_id").GetInt32(), live));
        Assert.True(listed.GetProperty("jobs_done").GetInt64() > 0, listed.ToString());
        Assert.True(listed.GetProperty("bytes_moved").GetInt64() >= 2L * 300 * 200 * 3, listed.ToString()); // every pixel there and back

        // The page's security holds for the new endpoint: another site's page cannot read the farm.
        using var foreign = new HttpRequestMessage(HttpMethod.Get, "api/cluster");
        foreign.Headers.Add("Origin", "http://evil.example");
        Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(foreign)).StatusCode);

        // The node dies (SIGKILL, its workers with it): membership declares it dead and the list says so, figures kept.
        long jobsBefore = listed.GetProperty("jobs_done").GetInt64();
        node.Kill(entireProcessTree: true);
        var killed = Stopwatch.StartNew();
        JsonElement gone = default;
        while (killed.Elapsed < s_deadline)
        {
            gone = Assert.Single((await GetJsonAsync(http, "api/cluster")).GetProperty("nodes").EnumerateArray());
            if (gone.GetProperty("gone").GetBoolean() && gone.GetProperty("workers").GetArrayLength() == 0)
            {
                break;
            }
            await Task.Delay(200);
        }
        Assert.True(gone.GetProperty("gone").GetBoolean(), $"the node was not shown gone within {s_deadline.TotalSeconds} s of its SIGKILL");
        Assert.Empty(gone.GetProperty("workers").EnumerateArray());
        Assert.Equal(jobsBefore, gone.GetProperty("jobs_done").GetInt64());

        // SIGTERM stops serve cleanly.
        using (var term = Process.Start("kill", ["-TERM", serve.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync(TestHelpers.TimeoutToken());
        }
        Assert.True(await ClusterProcesses.WaitUntilAsync(() => serve.HasExited, s_deadline), "serve did not stop on SIGTERM");
        var result = await cluster.ResultOfAsync(serve);
        Assert.True(result.ExitCode == 0, result.Stderr);
    }

    [Fact]
    public async Task Browser_ClusterModePage_ShowsTheNodeWithItsWorkersAndJobs()
    {
        // Arrange: serve starting in cluster mode, so the page's first preview runs on the node's workers.
        string script = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../scripts/browser-test/cluster-check.mjs"));
        Assert.True(File.Exists(script), $"{script} is missing");
        using var cluster = new ClusterProcesses();
        int port = ClusterProcesses.FreePort();
        var serve = cluster.Start(Integration.Cli.StartInfo(_directory, "serve", "--port", port.ToString(CultureInfo.InvariantCulture), "-m", "cluster", "--listen", cluster.Listen, "--node-wait-ms", "60000", "--sample-size", "640x480", "-w", "2"));
        cluster.StartNode(workers: 2);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TestHelpers.Timeout };
        await AssertAnswersAsync(http, serve, cluster);

        // Act
        var info = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(script)! };
        info.ArgumentList.Add(script);
        info.ArgumentList.Add(http.BaseAddress.ToString());
        var run = await Integration.Cli.RunAsync(info);

        // Assert: the table is shown, with the node, its 2 workers of 2 slots, jobs done and bytes moved.
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        using var json = JsonDocument.Parse(run.Stdout);
        var seen = json.RootElement;
        Assert.True(seen.GetProperty("visible").GetBoolean());
        Assert.StartsWith("cluster, 2 worker processes", seen.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var row = Assert.Single(seen.GetProperty("rows").EnumerateArray());
        var cells = row.GetProperty("cells").EnumerateArray().Select(c => c.GetString()).ToArray();
        Assert.Equal("false", row.GetProperty("gone").GetString());
        Assert.Equal("2 of 2", cells[1]);
        Assert.True(long.Parse(cells[2]!, CultureInfo.InvariantCulture) > 0, string.Join(" | ", cells));
        Assert.EndsWith("MB", cells[3], StringComparison.Ordinal); // 640x480x3 there and back: about 1.8 MB
        Assert.Empty(seen.GetProperty("consoleErrors").EnumerateArray());
    }

    [Fact]
    public async Task ServeWithoutCluster_HasNoNodeList_AndRefusesTheClusterMode()
    {
        // Arrange
        using var cluster = new ClusterProcesses();
        int port = ClusterProcesses.FreePort();
        var serve = cluster.Start(Integration.Cli.StartInfo(_directory, "serve", "--port", port.ToString(CultureInfo.InvariantCulture), "--sample-size", "64x48"));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TestHelpers.Timeout };
        await AssertAnswersAsync(http, serve, cluster);

        // Act
        var nodes = await http.GetAsync(new Uri("api/cluster", UriKind.Relative));
        var preview = await http.GetAsync(new Uri("api/preview?mode=cluster", UriKind.Relative));
        var state = await GetJsonAsync(http, "api/state");

        // Assert
        Assert.Equal(HttpStatusCode.NotFound, nodes.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, preview.StatusCode);
        Assert.False(state.GetProperty("cluster").GetBoolean());
        Assert.DoesNotContain("cluster", state.GetProperty("modes").EnumerateArray().Select(m => m.GetString()));
        serve.Kill();
    }

    /// <summary>Polls the API until the server answers, up to the deadline; fails with serve's output if it exited or never answered.</summary>
    private static async Task AssertAnswersAsync(HttpClient http, Process serve, ClusterProcesses cluster)
    {
        var started = Stopwatch.StartNew();
        while (started.Elapsed < s_deadline && !serve.HasExited)
        {
            try
            {
                using var response = await http.GetAsync(new Uri("api/state", UriKind.Relative));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet (the farm waits for its node first).
            }
            await Task.Delay(200);
        }
        if (!serve.HasExited)
        {
            serve.Kill(entireProcessTree: true);
        }
        var result = await cluster.ResultOfAsync(serve);
        Assert.Fail($"serve did not answer within {s_deadline.TotalSeconds} s (exit {result.ExitCode}): {result.Stdout} {result.Stderr}");
    }

    private static async Task<JsonElement> GetJsonAsync(HttpClient http, string path)
    {
        using var document = JsonDocument.Parse(await http.GetStringAsync(new Uri(path, UriKind.Relative)));
        return document.RootElement.Clone();
    }

    private byte[] EncodePng(ImageGeometry geometry)
    {
        string path = Path.Combine(_directory, "upload.png");
        using var sample = PixelBuffer.Allocate(geometry);
        SampleImage.Generate(sample);
        ImageFile.Save(path, sample.Span, geometry);
        return File.ReadAllBytes(path);
    }
}
