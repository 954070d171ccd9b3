using System.Globalization;
using Microsoft.AspNetCore.Http;
using ProcessFarm.Coordinator.Execution;
using ProcessFarm.Shared.Imaging;

namespace ProcessFarm.Coordinator.Serve;

/// <summary>GET /api/preview and /api/full: one render, its JPEG and where its time went.</summary>
internal sealed partial class PreviewServer : IAsyncDisposable
{
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
        if (r.Mode is ExecutionMode.Pipe or ExecutionMode.Cluster)
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
        else if (query.TryGetValue("mode", out var modeText) && !_modes.Contains(modeText.ToString()))
        {
            problem = $"mode must be one of {string.Join(", ", _modes)}, not '{modeText}'";
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
}
