using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using ProcessFarm.Coordinator.Workers;
using ProcessFarm.Shared.Imaging;
using ProcessFarm.Shared.Protocol;

namespace ProcessFarm.Coordinator.Execution;

/// <summary>
/// One pass of the LUT over an image's tiles through a worker pool, in pipe or shm form. Each worker has a pump
/// that keeps up to <c>inFlight</c> tiles outstanding; results are matched to tiles by job id on the receive
/// loops.
/// </summary>
internal sealed class TileRun : IReplyHandler
{
    private readonly IReadOnlyList<WorkerConnection> _workers;
    private readonly PixelBuffer _image;
    private readonly TileLayout _layout;
    private readonly LutParameters _parameters;
    private readonly bool _inRegion;
    private readonly int _inFlight;
    private readonly Channel<Tile> _queue = Channel.CreateUnbounded<Tile>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly ConcurrentDictionary<ulong, (Tile Tile, long SentTimestamp)> _pending = new();
    private readonly Dictionary<WorkerConnection, SemaphoreSlim> _windows = [];
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _nextJobId;
    private int _remaining;
    private long _serializeTicks;
    private long _deserializeTicks;
    private long _kernelNs;
    private long _workerTotalNs;
    private long _transferNs;

    public TileRun(IReadOnlyList<WorkerConnection> workers, PixelBuffer image, TileLayout layout, LutParameters parameters, bool inRegion, int inFlight)
    {
        _workers = workers;
        _image = image;
        _layout = layout;
        _parameters = parameters;
        _inRegion = inRegion;
        _inFlight = inFlight;
        _remaining = layout.Count;
    }

    public async Task<EngineRunStats> RunAsync(CancellationToken cancellationToken)
    {
        for (int i = 0; i < _layout.Count; i++)
        {
            _queue.Writer.TryWrite(_layout[i]);
        }
        foreach (var worker in _workers)
        {
            _windows[worker] = new SemaphoreSlim(_inFlight, _inFlight);
            worker.SetHandler(this);
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pumps = _workers.Select(w => PumpAsync(w, stop.Token)).ToArray();
        try
        {
            await _done.Task.WaitAsync(cancellationToken);
        }
        finally
        {
            stop.Cancel();
            foreach (var pump in pumps)
            {
                try
                {
                    await pump;
                }
                catch (Exception e) when (e is OperationCanceledException or WorkerFailedException or ObjectDisposedException)
                {
                    // The run is over (done, failed or cancelled); its pumps only need to stop.
                }
            }
            foreach (var window in _windows.Values)
            {
                window.Dispose();
            }
        }

        return new EngineRunStats(
            _layout.Count,
            KernelMs: _kernelNs / 1e6,
            SerializeMs: Stopwatch.GetElapsedTime(0, _serializeTicks).TotalMilliseconds,
            DeserializeMs: Stopwatch.GetElapsedTime(0, _deserializeTicks).TotalMilliseconds,
            WorkerTotalMs: _workerTotalNs / 1e6,
            TransferMs: _transferNs / 1e6);
    }

    private async Task PumpAsync(WorkerConnection worker, CancellationToken cancellationToken)
    {
        var window = _windows[worker];
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync(cancellationToken))
        {
            while (reader.TryRead(out var tile))
            {
                await window.WaitAsync(cancellationToken);
                ulong id = (ulong)Interlocked.Increment(ref _nextJobId);
                _pending[id] = (tile, Stopwatch.GetTimestamp());
                await worker.SendAsync((this, id, tile), static (frames, s) => s.Item1.WriteJob(frames, s.Item2, s.Item3), cancellationToken);
            }
        }
    }

    private void WriteJob(FrameWriter frames, ulong id, Tile tile)
    {
        var parameters = new JobParameters
        {
            Ev = _parameters.Ev,
            Gamma = _parameters.Gamma,
            Width = _layout.Geometry.Width,
            Rows = tile.RowCount,
            Channels = _layout.Geometry.Channels,
        };
        if (_inRegion)
        {
            frames.WriteJob(id, JobKind.Lut, parameters with { Offset = tile.ByteOffset, Length = tile.ByteLength });
            return;
        }
        long started = Stopwatch.GetTimestamp();
        frames.WriteJob(id, JobKind.Lut, parameters, _image.Rows(tile.FirstRow, tile.RowCount)); // copy 1: pixels into the frame
        Interlocked.Add(ref _serializeTicks, Stopwatch.GetTimestamp() - started);
    }

    public void OnResult(WorkerConnection worker, in JobResult result)
    {
        if (!_pending.TryRemove(result.Id, out var pending))
        {
            Fail($"worker {worker.WorkerId} answered job {result.Id}, which is not outstanding");
            return;
        }
        var tile = pending.Tile;
        // Round trip as the coordinator saw it, less the worker's own time: sending, receiving and queueing.
        Interlocked.Add(ref _transferNs, Math.Max(0, (long)Stopwatch.GetElapsedTime(pending.SentTimestamp).TotalNanoseconds - result.Timings.TotalNs));
        if (!_inRegion)
        {
            if (result.Encoding != PayloadEncoding.Binary || result.Payload.Length != tile.ByteLength)
            {
                Fail($"worker {worker.WorkerId} returned {result.Payload.Length} bytes for a {tile.ByteLength}-byte tile");
                return;
            }
            long started = Stopwatch.GetTimestamp();
            var rows = _image.Rows(tile.FirstRow, tile.RowCount);
            foreach (var segment in result.Payload)
            {
                segment.Span.CopyTo(rows); // the last copy: pixels back into the image
                rows = rows[segment.Length..];
            }
            Interlocked.Add(ref _deserializeTicks, Stopwatch.GetTimestamp() - started);
        }
        Interlocked.Add(ref _kernelNs, result.Timings.KernelNs);
        Interlocked.Add(ref _workerTotalNs, result.Timings.TotalNs);
        _windows[worker].Release();
        if (Interlocked.Decrement(ref _remaining) == 0)
        {
            _done.TrySetResult();
        }
    }

    public void OnError(WorkerConnection worker, ErrorMessage error) =>
        Fail($"worker {worker.WorkerId} failed job {error.JobId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"}: {error.Code}: {error.Message}");

    public void OnDisconnected(WorkerConnection worker, Exception? error)
    {
        if (!_done.Task.IsCompleted)
        {
            Fail($"worker {worker.WorkerId} disconnected{worker.ExitDescription}: {error?.Message ?? "end of stream"}");
        }
    }

    private void Fail(string message) => _done.TrySetException(new WorkerFailedException(message));
}
