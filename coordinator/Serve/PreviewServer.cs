using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ProcessFarm.Coordinator.Execution;
using ProcessFarm.Shared.Imaging;

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
/// </list>
/// </remarks>
internal sealed class PreviewServer : IAsyncDisposable
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

    private PreviewServer(WebApplication app, PreviewSession session, RenderRequest defaults)
    {
        _app = app;
        _session = session;
        _defaults = defaults;
    }

    /// <summary>The most uploads ever read and decoded at the same time (1: they wait their turn).</summary>
    internal int PeakConcurrentUploads => Volatile.Read(ref _peakUploading);

    /// <summary>The address the server listens on, e.g. http://127.0.0.1:5000/.</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>Binds <paramref name="address"/>:<paramref name="port"/> (0: any free port) and starts serving.</summary>
    /// <exception cref="IOException">The address cannot be bound (in use, not permitted).</exception>
    public static async Task<PreviewServer> StartAsync(PreviewSession session, RenderRequest defaults, IPAddress address, int port, CancellationToken cancellationToken)
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
        var server = new PreviewServer(app, session, defaults);
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
    }

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
            modes = ExecutionModes.Names,
            ev = _defaults.Ev,
            gamma = _defaults.Gamma,
            preview_max_side = PreviewSession.PreviewMaxSide,
        };
    }

    private static int MaxWorkers => Math.Max(4, 2 * Environment.ProcessorCount);

    private async Task<IResult> RenderAsync(HttpContext context, bool preview)
    {
        if (!TryParse(context.Request.Query, out var request, out string? problem))
        {
            return Results.Json(new { error = problem }, s_json, statusCode: StatusCodes.Status400BadRequest);
        }
        RenderResult? result;
        try
        {
            result = await _session.RenderAsync(request, preview, context.RequestAborted);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return Results.Empty; // the browser gave up on it
        }
        catch (Exception e) when (e is Workers.WorkerFailedException or Shared.SharedMemory.SharedMemoryException or OutputFormatException)
        {
            return Results.Json(new { error = e.Message }, s_json, statusCode: StatusCodes.Status500InternalServerError);
        }
        if (result is null)
        {
            return Results.Json(new { superseded = true }, s_json, statusCode: StatusCodes.Status409Conflict);
        }

        var headers = context.Response.Headers;
        headers.CacheControl = "no-store";
        headers["Server-Timing"] = ServerTiming(result);
        headers["X-ProcessFarm-Mode"] = result.Mode.Name();
        headers["X-ProcessFarm-Workers"] = result.Workers.ToString(CultureInfo.InvariantCulture);
        headers["X-ProcessFarm-Size"] = string.Create(CultureInfo.InvariantCulture, $"{result.Geometry.Width}x{result.Geometry.Height}");
        if (preview)
        {
            return Results.File(result.Jpeg, "image/jpeg");
        }
        string name = Path.GetFileNameWithoutExtension(_session.Image.Name);
        return Results.File(result.Jpeg, "image/jpeg", $"{(name.Length > 0 ? name : "image")}-processed.jpg");
    }

    /// <summary>The standard Server-Timing header: the page reads it, and so do the browser's dev tools.</summary>
    private static string ServerTiming(RenderResult r)
    {
        var c = CultureInfo.InvariantCulture;
        var parts = new List<string>
        {
            string.Create(c, $"process;dur={r.ProcessMs:0.###};desc=\"{r.Mode.Name()} over the whole image\""),
            string.Create(c, $"kernel;dur={r.Stats.KernelMs:0.###};desc=\"LUT kernel, summed over threads or workers\""),
        };
        if (r.Mode == ExecutionMode.Pipe)
        {
            parts.Add(string.Create(c, $"serialize;dur={r.Stats.SerializeMs + r.Stats.DeserializeMs:0.###};desc=\"tiles into and out of frames\""));
            parts.Add(string.Create(c, $"transfer;dur={r.Stats.TransferMs:0.###};desc=\"socket round trips less worker time, summed\""));
        }
        else if (r.Mode == ExecutionMode.Shm)
        {
            parts.Add(string.Create(c, $"transfer;dur={r.Stats.TransferMs:0.###};desc=\"descriptor round trips less worker time, summed\""));
            parts.Add(string.Create(c, $"attach;dur={r.Stats.SetupMs:0.###};desc=\"mapping the region into the workers\""));
        }
        parts.Add(string.Create(c, $"reset;dur={r.ResetMs:0.###};desc=\"restoring the source for in-place modes\""));
        parts.Add(string.Create(c, $"encode;dur={r.EncodeMs:0.###};desc=\"downscale and JPEG\""));
        if (r.StartupMs > 0)
        {
            parts.Add(string.Create(c, $"startup;dur={r.StartupMs:0.###};desc=\"starting the mode (workers)\""));
        }
        parts.Add(string.Create(c, $"total;dur={r.ServerMs:0.###}"));
        return string.Join(", ", parts);
    }

    /// <summary>
    /// One upload at a time, body and decode included: each can hold hundreds of megabytes, so concurrent uploads
    /// wait here instead of adding up. The previous image stays unless the new one is entirely usable.
    /// </summary>
    private async Task<IResult> UploadAsync(HttpContext context)
    {
        string name = Path.GetFileName(context.Request.Query["name"].ToString());
        if (name.Length == 0)
        {
            name = "upload";
        }
        try
        {
            await _uploads.WaitAsync(context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            return Results.Empty; // the client gave up while another upload was decoded
        }
        int uploading = Interlocked.Increment(ref _uploading);
        try
        {
            InterlockedMax(ref _peakUploading, uploading);
            return await LoadAsync(context, name);
        }
        finally
        {
            Interlocked.Decrement(ref _uploading);
            // The body and the decoder's copy are large objects: give their memory back now, not at some later
            // collection (six uploads once left 5 GB resident).
            System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            _uploads.Release();
        }
    }

    private async Task<IResult> LoadAsync(HttpContext context, string name)
    {
        byte[] body;
        try
        {
            body = await ReadBodyAsync(context.Request, context.RequestAborted);
        }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Results.Json(new { error = $"'{name}' is larger than {MaxUploadBytes >> 20} MB" }, s_json, statusCode: StatusCodes.Status413PayloadTooLarge);
        }
        if (body.Length == 0)
        {
            return Results.Json(new { error = $"'{name}' is empty" }, s_json, statusCode: StatusCodes.Status400BadRequest);
        }
        try
        {
            await _session.LoadAsync(body, name, context.RequestAborted);
        }
        catch (InputException e)
        {
            return Results.Json(new { error = e.Message }, s_json, statusCode: StatusCodes.Status400BadRequest);
        }
        catch (Shared.SharedMemory.SharedMemoryException e)
        {
            return Results.Json(new { error = e.Message }, s_json, statusCode: StatusCodes.Status507InsufficientStorage);
        }
        return Results.Json(State(), s_json);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen = Volatile.Read(ref target);
        while (value > seen && Interlocked.CompareExchange(ref target, value, seen) is int now && now != seen)
        {
            seen = now;
        }
    }

    /// <summary>The whole body, read straight into one array of its declared length when it has one (no growing copies).</summary>
    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength is long length and <= MaxUploadBytes)
        {
            byte[] body = GC.AllocateUninitializedArray<byte>((int)length);
            await request.Body.ReadExactlyAsync(body, cancellationToken);
            return body;
        }
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        return buffer.ToArray();
    }

    private bool TryParse(IQueryCollection query, out RenderRequest request, out string? problem)
    {
        request = _defaults;
        problem = null;
        double ev = _defaults.Ev, gamma = _defaults.Gamma;
        int workers = _defaults.Workers;
        var mode = _defaults.Mode;
        if (query.TryGetValue("ev", out var evText) && !(double.TryParse(evText, NumberStyles.Float, CultureInfo.InvariantCulture, out ev) && double.IsFinite(ev)))
        {
            problem = $"ev must be a finite number, not '{evText}'";
        }
        else if (query.TryGetValue("gamma", out var gammaText) && !(double.TryParse(gammaText, NumberStyles.Float, CultureInfo.InvariantCulture, out gamma) && double.IsFinite(gamma) && gamma > 0))
        {
            problem = $"gamma must be a finite number greater than 0, not '{gammaText}'";
        }
        else if (query.TryGetValue("mode", out var modeText) && !ExecutionModes.Names.Contains(modeText.ToString()))
        {
            problem = $"mode must be one of {string.Join(", ", ExecutionModes.Names)}, not '{modeText}'";
        }
        else if (query.TryGetValue("workers", out var workersText) && !(int.TryParse(workersText, NumberStyles.None, CultureInfo.InvariantCulture, out workers) && workers >= 1 && workers <= MaxWorkers))
        {
            problem = $"workers must be 1..{MaxWorkers}, not '{workersText}'";
        }
        if (problem is not null)
        {
            return false;
        }
        if (query.TryGetValue("mode", out var chosen))
        {
            mode = ExecutionModes.Parse(chosen.ToString());
        }
        request = new RenderRequest(ev, gamma, mode, workers);
        return true;
    }

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
