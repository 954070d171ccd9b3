using System.Diagnostics;
using ProcessFarm.Coordinator.Execution;
using ProcessFarm.Shared.Imaging;
using ProcessFarm.Shared.Native;

namespace ProcessFarm.Coordinator.Serve;

/// <summary>
/// What <c>processfarm serve</c> keeps between requests: the decoded image (in the shared region for shm), the
/// engine with its warm worker pool, and the newest preview ticket. Renders run one at a time; a preview that a
/// newer one overtook while it waited is dropped, not run (<see cref="RenderAsync"/> returns null).
/// </summary>
internal sealed class PreviewSession : IAsyncDisposable
{
    /// <summary>The preview's longer side, in pixels: about a screen's worth.</summary>
    public const int PreviewMaxSide = 1280;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Func<ExecutionMode, int, IExecutionEngine> _createEngine;
    private readonly long _maxPixels;
    private long _latestTicket;
    private PixelBuffer _source;
    private ImageHeader _header;
    private string _name;
    private IExecutionEngine? _engine;
    private (ExecutionMode Mode, int Workers) _engineRequest;
    private PixelBuffer? _work;
    private bool _workDirty = true;

    private PreviewSession(PixelBuffer source, ImageHeader header, string name, Func<ExecutionMode, int, IExecutionEngine> createEngine, long maxPixels)
    {
        _source = source;
        _header = header;
        _name = name;
        _createEngine = createEngine;
        _maxPixels = maxPixels;
    }

    /// <summary>The image being previewed.</summary>
    public ImageSummary Image => new(_name, _source.Geometry.Width, _source.Geometry.Height, _source.Geometry.Channels);

    /// <summary>The engine's mode and worker count, or null before the first render.</summary>
    public (ExecutionMode Mode, int Workers)? Engine => _engine is { } engine ? (engine.Mode, engine.Workers) : null;

    /// <summary>Creates a session for a decoded image (owned from here on) and what its file carried (orientation, profiles).</summary>
    public static PreviewSession Create(PixelBuffer image, ImageHeader header, string name, Func<ExecutionMode, int, IExecutionEngine> createEngine, long maxPixels) =>
        new(image, header, name, createEngine, maxPixels);

    /// <summary>
    /// Runs the LUT over the whole image in the requested mode and encodes it: downscaled to
    /// <see cref="PreviewMaxSide"/> and turned as the photo's EXIF orientation says (JPEG q85) for a preview, full
    /// size with the file's metadata (JPEG q90) otherwise.
    /// </summary>
    /// <returns>The render, or null for a preview that a newer preview overtook while it waited (it is dropped).</returns>
    public async Task<RenderResult?> RenderAsync(RenderRequest request, bool preview, CancellationToken cancellationToken)
    {
        long ticket = preview ? Interlocked.Increment(ref _latestTicket) : 0;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (preview && ticket != Interlocked.Read(ref _latestTicket))
            {
                return null;
            }
            long started = Stopwatch.GetTimestamp();
            double startupMs = await EnsureEngineAsync(request.Mode, request.Workers, cancellationToken);
            var engine = _engine!;
            if (engine is WorkerEngine { Supervisor: { } supervisor })
            {
                supervisor.ResetRestartBudget(); // a long-lived server: each request gets the run's budget
            }
            var work = _work!;

            long resetStarted = Stopwatch.GetTimestamp();
            if (_workDirty)
            {
                _source.Span.CopyTo(work.Span); // in-place modes overwrote the last run's input
                _workDirty = false;
            }
            double resetMs = Stopwatch.GetElapsedTime(resetStarted).TotalMilliseconds;

            var geometry = work.Geometry;
            var layout = new TileLayout(geometry, TileLayout.DefaultTileRows(geometry, engine.Workers, engine.Mode == ExecutionMode.Threads ? 4 : 8));
            long processStarted = Stopwatch.GetTimestamp();
            EngineRunStats stats;
            try
            {
                stats = await engine.RunAsync(work, layout, new LutParameters(request.Ev, request.Gamma), cancellationToken);
            }
            catch (Workers.WorkerFailedException)
            {
                // The workers gave up on this request; the next one starts fresh ones instead of failing the same way.
                await StopEngineAsync();
                throw;
            }
            double processMs = Stopwatch.GetElapsedTime(processStarted).TotalMilliseconds;
            var result = engine.ResultOf(work);
            _workDirty = ReferenceEquals(result, work);

            long encodeStarted = Stopwatch.GetTimestamp();
            byte[] jpeg;
            ImageGeometry encoded;
            if (preview)
            {
                int orientation = _header.Metadata.Orientation;
                encoded = Downscale.FitWithin(geometry, PreviewMaxSide, orientation);
                using var small = PixelBuffer.Allocate(encoded);
                Downscale.Average(result, small, orientation);
                jpeg = Encode(small.Span, ImageHeader.ForPixels(encoded), quality: 85);
            }
            else
            {
                encoded = geometry;
                jpeg = Encode(result.Span, _header, quality: 90);
            }
            double encodeMs = Stopwatch.GetElapsedTime(encodeStarted).TotalMilliseconds;

            return new RenderResult(jpeg, encoded, engine.Mode, engine.Workers, processMs, stats, resetMs, encodeMs, startupMs, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Replaces the image with an uploaded file, with the CLI's limits and errors.</summary>
    /// <exception cref="InputException">Not a usable image, or too large.</exception>
    /// <exception cref="Shared.SharedMemory.SharedMemoryException">shm: no region for the new image (the old one stays).</exception>
    public async Task<ImageSummary> LoadAsync(byte[] file, string name, CancellationToken cancellationToken)
    {
        PixelBuffer image;
        ImageHeader header;
        try
        {
            using var reader = ImageCodecs.OpenReader(file, CodecChoice.Auto, _maxPixels);
            image = ImageFile.DecodeAll(reader, PixelBuffer.Allocate);
            header = reader.Header with { Geometry = image.Geometry, Palette = null };
        }
        catch (InvalidImageException e)
        {
            throw ImageFile.Invalid(name, e);
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            // The new working buffer first (shm: a new region, which can fail on a full --shm-dir): on any failure
            // the previous image, and its buffer, stay as they were.
            PixelBuffer? work = null;
            try
            {
                work = _engine?.CreateImage(image.Geometry);
            }
            catch
            {
                image.Dispose();
                throw;
            }
            if (work is not null)
            {
                _work?.Dispose();
                _work = work;
            }
            _source.Dispose();
            _source = image;
            _header = header;
            _name = name;
            _workDirty = true;
            return Image;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Keeps the engine if it matches; otherwise stops it and starts the requested one (timed).</summary>
    private async Task<double> EnsureEngineAsync(ExecutionMode mode, int workers, CancellationToken cancellationToken)
    {
        // Compared with what was asked, not with the engine's count: a cluster engine has its nodes' workers, which
        // the page's choice (workers per node) only caps.
        var wanted = (mode, mode == ExecutionMode.Serial ? 1 : workers);
        if (_engine is not null && _engineRequest == wanted)
        {
            return 0;
        }
        long started = Stopwatch.GetTimestamp();
        await StopEngineAsync();
        var engine = _createEngine(mode, workers);
        try
        {
            await engine.StartAsync(cancellationToken);
            _work = engine.CreateImage(_source.Geometry);
        }
        catch
        {
            await engine.DisposeAsync();
            throw;
        }
        _engine = engine;
        _engineRequest = wanted;
        _workDirty = true;
        return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }

    private async Task StopEngineAsync()
    {
        if (_engine is not null)
        {
            _work?.Dispose();
            _work = null;
            await _engine.DisposeAsync();
            _engine = null;
        }
    }

    /// <summary>A JPEG of <paramref name="pixels"/>, laid out as <paramref name="header"/> says, with its metadata.</summary>
    private static byte[] Encode(ReadOnlySpan<byte> pixels, ImageHeader header, int quality)
    {
        using var writer = ImageCodecs.CreateWriter("render.jpg", header, CodecChoice.Auto, quality);
        writer.WriteRows(pixels, header.Geometry.RowBytes, header.Geometry.Height);
        return writer.Finish().ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync();
        try
        {
            _work?.Dispose();
            if (_engine is not null)
            {
                await _engine.DisposeAsync();
            }
            _source.Dispose();
        }
        finally
        {
            _gate.Release();
        }
    }
}
