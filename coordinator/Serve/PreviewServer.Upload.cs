using Microsoft.AspNetCore.Http;
using ProcessFarm.Shared.Imaging;

namespace ProcessFarm.Coordinator.Serve;

/// <summary>POST /api/image: a new image, one upload at a time.</summary>
internal sealed partial class PreviewServer : IAsyncDisposable
{
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
}
