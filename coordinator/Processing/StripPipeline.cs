using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using ProcessFarm.Coordinator.Execution;
using ProcessFarm.Shared.Imaging;

namespace ProcessFarm.Coordinator.Processing;

/// <summary>
/// Streams an image through a ring of strips: a decode thread fills strip k while the mode's engine runs the LUT
/// on strip k-1 and an encode thread writes strip k-2, so decoding, the kernel and encoding overlap and only the
/// ring (<see cref="StripPlan.Slots"/> strips) is ever in memory. The ring comes from the engine, so in shm mode
/// it is the shared region and workers run the kernel in place, strip by strip.
/// </summary>
/// <remarks>
/// The encoder sees the same rows in the same order as a whole-image encode, so the output is byte-identical to
/// the non-streaming path. The first failure in any stage stops the other two and is the one thrown.
/// </remarks>
internal sealed class StripPipeline
{
    private readonly IRowSource _source;
    private readonly IImageWriter _encoder;
    private readonly IExecutionEngine _engine;
    private readonly LutParameters _parameters;
    private readonly StripPlan _plan;
    private readonly SemaphoreSlim _freeSlots;
    private readonly Channel<Strip> _decoded = Channel.CreateUnbounded<Strip>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly BlockingCollection<Strip> _processed = new();
    private Exception? _failure;
    private long _decodeTicks;
    private long _encodeTicks;
    private long _firstStripReady;

    private StripPipeline(IRowSource source, IImageWriter encoder, IExecutionEngine engine, LutParameters parameters, StripPlan plan)
    {
        _source = source;
        _encoder = encoder;
        _engine = engine;
        _parameters = parameters;
        _plan = plan;
        _freeSlots = new SemaphoreSlim(plan.Slots, plan.Slots);
    }

    /// <summary>
    /// Reads every row of <paramref name="source"/>, runs the LUT on it strip by strip in <paramref name="engine"/>
    /// and writes the result rows to <paramref name="encoder"/>, which the caller then finishes.
    /// </summary>
    public static async Task<StripRunStats> RunAsync(IRowSource source, IImageWriter encoder, IExecutionEngine engine, LutParameters parameters, StripPlan plan, CancellationToken cancellationToken)
    {
        var pipeline = new StripPipeline(source, encoder, engine, parameters, plan);
        return await pipeline.RunAsync(cancellationToken);
    }

    private async Task<StripRunStats> RunAsync(CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        using var ring = _engine.CreateImage(_plan.RingGeometry);
        var result = _engine.ResultOf(ring);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        var decoding = Task.Factory.StartNew(() => Decode(ring, stop), stop.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var encoding = Task.Factory.StartNew(() => Encode(result, stop), stop.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        var engineStats = EngineRunStats.Zero;
        long processTicks = 0;
        int strips = 0;
        try
        {
            await _engine.StartAsync(stop.Token);
            await foreach (var strip in _decoded.Reader.ReadAllAsync(stop.Token))
            {
                long runStarted = Stopwatch.GetTimestamp();
                var layout = new TileLayout(_plan.RingGeometry, _plan.TileRows, strip.Slot * _plan.StripRows, strip.Rows);
                engineStats = engineStats.Add(await _engine.RunAsync(ring, layout, _parameters, stop.Token));
                processTicks += Stopwatch.GetTimestamp() - runStarted;
                _processed.Add(strip, stop.Token);
                strips++;
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Fail(e, stop);
        }
        finally
        {
            _processed.CompleteAdding();
            await Task.WhenAll(decoding, encoding).ContinueWith(static _ => { }, TaskScheduler.Default); // each stage records its own failure
            _processed.Dispose();
            _freeSlots.Dispose();
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (_failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(_failure);
        }

        return new StripRunStats(
            engineStats,
            strips,
            DecodeMs: Stopwatch.GetElapsedTime(0, _decodeTicks).TotalMilliseconds,
            ProcessMs: Stopwatch.GetElapsedTime(0, processTicks).TotalMilliseconds,
            EncodeMs: Stopwatch.GetElapsedTime(0, _encodeTicks).TotalMilliseconds,
            FirstStripMs: Stopwatch.GetElapsedTime(started, _firstStripReady).TotalMilliseconds,
            RingBytes: _plan.RingGeometry.ByteLength * (result == ring ? 1 : 2));
    }

    /// <summary>The decode thread: fills free slots in order and hands each strip to the kernel stage.</summary>
    private void Decode(PixelBuffer ring, CancellationTokenSource stop)
    {
        try
        {
            var geometry = _source.Geometry;
            for (int first = 0, index = 0; first < geometry.Height; first += _plan.StripRows, index++)
            {
                _freeSlots.Wait(stop.Token);
                int slot = index % _plan.Slots;
                int rows = Math.Min(_plan.StripRows, geometry.Height - first);
                long decodeStarted = Stopwatch.GetTimestamp();
                _source.Read(ring.Rows(slot * _plan.StripRows, rows), rows);
                long now = Stopwatch.GetTimestamp();
                _decodeTicks += now - decodeStarted;
                if (index == 0)
                {
                    _firstStripReady = now;
                }
                _decoded.Writer.TryWrite(new Strip(slot, rows));
            }
            _decoded.Writer.TryComplete();
        }
        catch (Exception e)
        {
            Fail(e, stop);
            _decoded.Writer.TryComplete(e);
        }
    }

    /// <summary>The encode thread: writes processed strips in order and frees their slots.</summary>
    private void Encode(PixelBuffer result, CancellationTokenSource stop)
    {
        try
        {
            int rowBytes = _plan.RingGeometry.RowBytes;
            foreach (var strip in _processed.GetConsumingEnumerable(stop.Token))
            {
                long encodeStarted = Stopwatch.GetTimestamp();
                _encoder.WriteRows(result.Rows(strip.Slot * _plan.StripRows, strip.Rows), rowBytes, strip.Rows);
                _encodeTicks += Stopwatch.GetTimestamp() - encodeStarted;
                _freeSlots.Release();
            }
        }
        catch (Exception e)
        {
            Fail(e, stop);
        }
    }

    private void Fail(Exception e, CancellationTokenSource stop)
    {
        // The first real failure wins; the cancellations it causes in the other stages are not failures.
        if (e is not OperationCanceledException)
        {
            Interlocked.CompareExchange(ref _failure, e, null);
        }
        try
        {
            stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The run is already over.
        }
    }

    private readonly record struct Strip(int Slot, int Rows);
}
