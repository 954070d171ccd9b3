using System.Net;
using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ProcessFarm.Coordinator.Cluster;
using ProcessFarm.Coordinator.Execution;

namespace ProcessFarm.Coordinator.Serve;

/// <summary>
/// The HTTP side of <c>processfarm serve</c>: the page, and a small JSON/JPEG API over one <see cref="PreviewSession"/>.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>GET /</c>: the page (self-contained HTML).</item>
/// <item><c>GET /api/state</c>: the image, the current mode and workers, the modes, the cores.</item>
/// <item><c>GET /api/preview?ev=&amp;gamma=&amp;mode=&amp;workers=</c>: a downscaled JPEG; timings in <c>Server-Timing</c>.
/// 409 when a newer preview overtook it before it ran (dropped, not queued).</item>
/// <item><c>GET /api/full?...</c>: the full-size JPEG, as a download.</item>
/// <item><c>POST /api/image?name=</c>: a new image as the raw request body; 400 with the CLI's message when unusable.</item>
/// <item><c>GET /api/cluster</c>: with <c>--mode cluster</c>, the nodes with their workers, jobs done and bytes moved;
/// 404 otherwise.</item>
/// </list>
/// </remarks>
internal sealed partial class PreviewServer : IAsyncDisposable
{
    /// <summary>The largest upload accepted (the pixel limit applies as well).</summary>
    public const long MaxUploadBytes = 256L << 20;

    private static readonly JsonSerializerOptions s_json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    private readonly SemaphoreSlim _uploads = new(1, 1);
    private int _uploading;
    private int _peakUploading;
    private readonly WebApplication _app;
    private readonly PreviewSession _session;
    private readonly RenderRequest _defaults;
    private readonly ClusterFarm? _farm;
    private readonly string[] _modes;

    private PreviewServer(WebApplication app, PreviewSession session, RenderRequest defaults, ClusterFarm? farm)
    {
        _app = app;
        _session = session;
        _defaults = defaults;
        _farm = farm;
        _modes = farm is null ? ExecutionModes.Names : ExecutionModes.WithCluster;
    }

    /// <summary>The most uploads ever read and decoded at the same time (1: they wait their turn).</summary>
    internal int PeakConcurrentUploads => Volatile.Read(ref _peakUploading);

    /// <summary>The address the server listens on, e.g. http://127.0.0.1:5000/.</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>
    /// Binds <paramref name="address"/>:<paramref name="port"/> (0: any free port) and starts serving; with a
    /// <paramref name="farm"/> (owned by the caller) the page offers the cluster mode and lists its nodes.
    /// </summary>
    /// <exception cref="IOException">The address cannot be bound (in use, not permitted).</exception>
    public static async Task<PreviewServer> StartAsync(PreviewSession session, RenderRequest defaults, IPAddress address, int port, CancellationToken cancellationToken, ClusterFarm? farm = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.Configure<KestrelServerOptions>(options =>
        {
            options.Listen(address, port);
            options.Limits.MaxRequestBodySize = MaxUploadBytes;
        });
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(5));
        // The command owns Ctrl+C (ShutdownSignals), so the host must not install its own console lifetime.
        builder.Services.AddSingleton<IHostLifetime, CommandLifetime>();
        var app = builder.Build();
        var server = new PreviewServer(app, session, defaults, farm);
        server.Map();
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException)
        {
            await app.DisposeAsync();
            throw;
        }
        var bound = app.Urls.First();
        server.Address = new Uri(bound.EndsWith('/') ? bound : bound + "/"); // before any request: the guard reads its port
        return server;
    }

    private void Map()
    {
        _app.Use(async (context, next) =>
        {
            if (RequestGuard.Refusal(context.Request, Address.Port) is { } refusal)
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                await context.Response.WriteAsJsonAsync(new { error = refusal }, s_json);
                return;
            }
            await next(context);
        });
        _app.MapGet("/", () => Results.Content(s_page.Value, "text/html; charset=utf-8"));
        _app.MapGet("/api/state", () => Results.Json(State(), s_json));
        // Typed as handlers returning IResult, so that the result is written (a bare RequestDelegate would drop it).
        _app.MapGet("/api/preview", (Func<HttpContext, Task<IResult>>)(context => RenderAsync(context, preview: true)));
        _app.MapGet("/api/full", (Func<HttpContext, Task<IResult>>)(context => RenderAsync(context, preview: false)));
        _app.MapPost("/api/image", (Func<HttpContext, Task<IResult>>)UploadAsync);
        _app.MapGet("/api/cluster", () => ClusterNodes());
    }

    /// <summary>The farm's nodes, live and gone, in the order they joined; 404 when serve runs without a cluster.</summary>
    private IResult ClusterNodes() => _farm is null
        ? Results.Json(new { error = "serve was started without --mode cluster: there are no nodes" }, s_json, statusCode: StatusCodes.Status404NotFound)
        : Results.Json(new { link = _farm.Link, listener = _farm.Listener.Endpoint, nodes = _farm.Summarize() }, s_json);

    private object State()
    {
        var (mode, workers) = _session.Engine ?? (_defaults.Mode, _defaults.Workers);
        return new
        {
            image = _session.Image,
            mode = mode.Name(),
            workers,
            cores = Environment.ProcessorCount,
            max_workers = MaxWorkers,
            modes = _modes,
            cluster = _farm is not null,
            ev = _defaults.Ev,
            gamma = _defaults.Gamma,
            preview_max_side = PreviewSession.PreviewMaxSide,
        };
    }

    private static int MaxWorkers => Math.Max(4, 2 * Environment.ProcessorCount);

    private static readonly Lazy<string> s_page = new(() =>
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("ProcessFarm.Coordinator.Serve.index.html")
            ?? throw new InvalidOperationException("The page is not embedded in the assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _uploads.Dispose();
    }

    /// <summary>A host lifetime that leaves signals to the command: the host stops when the command says so.</summary>
    private sealed class CommandLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
