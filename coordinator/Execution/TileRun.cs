using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using ProcessFarm.Coordinator.Workers;
using ProcessFarm.Shared.Imaging;
using ProcessFarm.Shared.Protocol;

namespace ProcessFarm.Coordinator.Execution;

/// <summary>
/// One pass of the LUT over an image's tiles through a worker pool, in pipe or shm form. Each worker has a pump
/// that keeps up to <see cref="TileRunOptions.InFlight"/> tiles outstanding; results are matched to tiles by job
/// id on the receive loops.
/// </summary>
/// <remarks>
/// Supervision: a worker that disconnects (crashed, killed) or holds a job past the timeout (it is killed) is
/// failed once: its outstanding tiles go back to the queue and a replacement is started, up to
/// <see cref="TileRunOptions.MaxRestarts"/> per run. Tiles are independent and written whole, so a re-run tile
/// yields the same bytes. An Error reply for a job is not retried: the same job would fail the same way.
/// </remarks>
internal sealed partial class TileRun : IReplyHandler
{
    private readonly WorkerPool _pool;
    private readonly PixelBuffer _image;
    private readonly TileLayout _layout;
    private readonly LutParameters _parameters;
    private readonly long? _regionOutput;
    private readonly TileRunOptions _options;
    private readonly Func<WorkerConnection, CancellationToken, Task>? _prepare;
    private readonly CoordinatorLog _log;
    private readonly Channel<Tile> _queue = Channel.CreateUnbounded<Tile>();
    private readonly ConcurrentDictionary<ulong, PendingJob> _pending = new();
    private readonly ConcurrentDictionary<WorkerConnection, WorkerSlot> _slots = new();
    private readonly ConcurrentDictionary<WorkerConnection, byte> _failed = new();
    private readonly ConcurrentBag<Task> _background = [];
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private long _nextJobId;
    private int _remaining;
    private int _callbacks;
    private int _restarts;
    private int _tilesRetried;
    private long _serializeTicks;
    private long _deserializeTicks;
    private long _kernelNs;
    private long _workerTotalNs;
    private long _transferNs;

    /// <summary>Prepares a run; <paramref name="regionOutput"/> is where the output half starts in the shm region, null for pipe.</summary>
    public TileRun(WorkerPool pool, PixelBuffer image, TileLayout layout, LutParameters parameters, long? regionOutput, TileRunOptions options, Func<WorkerConnection, CancellationToken, Task>? prepare, CoordinatorLog log)
    {
        _pool = pool;
        _image = image;
        _layout = layout;
        _parameters = parameters;
        _regionOutput = regionOutput;
        _options = options;
        _prepare = prepare;
        _log = log;
        _remaining = layout.Count;
    }

    public async Task<EngineRunStats> RunAsync(CancellationToken cancellationToken)
    {
        for (int i = 0; i < _layout.Count; i++)
        {
            _queue.Writer.TryWrite(_layout[i]);
        }
        foreach (var worker in _pool.Workers)
        {
            Adopt(worker);
        }
        _background.Add(WatchAsync(_stop.Token));

        try
        {
            await _done.Task.WaitAsync(cancellationToken);
        }
        finally
        {
            // Interrupted or failed: mark the run over first, so that replies and disconnects still arriving
            // (the pool shutting down) see a finished run and touch nothing this block disposes.
            _done.TrySetCanceled(CancellationToken.None);
            SpinWait.SpinUntil(() => Volatile.Read(ref _callbacks) == 0); // a callback inside finishes in microseconds
            await _stop.CancelAsync();
            foreach (var task in _background.Concat(_slots.Values.Select(s => s.Pump)))
            {
                try
                {
                    await task;
                }
                catch (Exception e) when (e is OperationCanceledException or WorkerFailedException or ObjectDisposedException or Cli.CommandLineException)
                {
                    // The run is over (done, failed or cancelled); its pumps and helpers only need to stop.
                }
            }
            foreach (var slot in _slots.Values)
            {
                slot.Dispose();
            }
            _stop.Dispose();
        }

        return new EngineRunStats(
            _layout.Count,
            KernelMs: _kernelNs / 1e6,
            SerializeMs: Stopwatch.GetElapsedTime(0, _serializeTicks).TotalMilliseconds,
            DeserializeMs: Stopwatch.GetElapsedTime(0, _deserializeTicks).TotalMilliseconds,
            WorkerTotalMs: _workerTotalNs / 1e6,
            TransferMs: _transferNs / 1e6,
            WorkersReplaced: _restarts,
            TilesRetried: _tilesRetried);
    }

    /// <summary>Routes a worker's replies here and starts feeding it tiles.</summary>
    private void Adopt(WorkerConnection worker)
    {
        var slot = new WorkerSlot(_options.InFlight, _stop.Token);
        _slots[worker] = slot;
        worker.SetHandler(this);
        slot.Pump = PumpAsync(worker, slot);
    }

    private async Task PumpAsync(WorkerConnection worker, WorkerSlot slot)
    {
        var token = slot.Cancellation.Token;
        var reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync(token))
            {
                await slot.Window.WaitAsync(token);
                if (!reader.TryRead(out var tile))
                {
                    slot.Window.Release(); // another pump took it
                    continue;
                }
                ulong id = (ulong)Interlocked.Increment(ref _nextJobId);
                _pending[id] = new PendingJob(tile, worker, Stopwatch.GetTimestamp());
                if (_regionOutput is null)
                {
                    await worker.SendAsync((this, id, tile), static (frames, s) => s.Item1.WriteJob(frames, s.Item2, s.Item3), token);
                }
                else
                {
                    // shm: a descriptor, through the worker's frame channel when it has one.
                    await worker.PostAsync((this, id, tile), static (frames, s) => s.Item1.WriteJob(frames, s.Item2, s.Item3), token);
                }
            }
        }
        catch (WorkerFailedException e)
        {
            FailWorker(worker, e.Message);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // This worker failed, or the run ended.
        }
        if (_failed.ContainsKey(worker))
        {
            // A job this pump registered while the worker was being written off must not be lost.
            Interlocked.Add(ref _tilesRetried, RequeueOutstanding(worker));
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
        if (_regionOutput is long output)
        {
            frames.WriteJob(id, JobKind.Lut, parameters with { Offset = tile.ByteOffset, Length = tile.ByteLength, Output = output + tile.ByteOffset });
            return;
        }
        long started = Stopwatch.GetTimestamp();
        frames.WriteJob(id, JobKind.Lut, parameters, _image.Rows(tile.FirstRow, tile.RowCount)); // copy 1: pixels into the frame
        Interlocked.Add(ref _serializeTicks, Stopwatch.GetTimestamp() - started);
    }

    public void OnResult(WorkerConnection worker, in JobResult result)
    {
        if (Enter())
        {
            try
            {
                Collect(worker, result);
            }
            finally
            {
                Exit();
            }
        }
    }

    private void Collect(WorkerConnection worker, in JobResult result)
    {
        if (!_pending.TryRemove(result.Id, out var pending))
        {
            if (!_failed.ContainsKey(worker))
            {
                Fail($"worker {worker.WorkerId} answered job {result.Id}, which is not outstanding");
            }
            return; // a late answer from a worker already written off: its tiles were queued again
        }
        var tile = pending.Tile;
        // Round trip as the coordinator saw it, less the worker's own time: sending, receiving and queueing.
        Interlocked.Add(ref _transferNs, Math.Max(0, (long)Stopwatch.GetElapsedTime(pending.SentTimestamp).TotalNanoseconds - result.Timings.TotalNs));
        if (_regionOutput is null)
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
        if (_slots.TryGetValue(worker, out var slot))
        {
            slot.Release();
        }
        if (Interlocked.Decrement(ref _remaining) == 0)
        {
            _done.TrySetResult();
        }
    }

    public void OnError(WorkerConnection worker, ErrorMessage error) =>
        Fail($"worker {worker.WorkerId} failed job {error.JobId?.ToString(CultureInfo.InvariantCulture) ?? "?"}: {error.Code}: {error.Message}");

    public void OnDisconnected(WorkerConnection worker, Exception? error)
    {
        if (Enter())
        {
            try
            {
                FailWorker(worker, $"disconnected{worker.ExitDescription}: {error?.Message ?? "end of stream"}");
            }
            finally
            {
                Exit();
            }
        }
    }

    /// <summary>
    /// Admits a reply callback while the run is live. Once the run is over (<see cref="_done"/> completed) none is
    /// admitted, and <see cref="RunAsync"/> waits for those already inside before it releases what they touch.
    /// </summary>
    private bool Enter()
    {
        Interlocked.Increment(ref _callbacks);
        if (!_done.Task.IsCompleted)
        {
            return true;
        }
        Exit();
        return false;
    }

    private void Exit() => Interlocked.Decrement(ref _callbacks);

    /// <summary>Writes a worker off once: its tiles go back to the queue and a replacement starts.</summary>
    private void FailWorker(WorkerConnection worker, string reason)
    {
        if (_done.Task.IsCompleted || !_failed.TryAdd(worker, 0))
        {
            return;
        }
        if (_slots.TryGetValue(worker, out var slot))
        {
            slot.Cancellation.Cancel();
        }
        // Decide before requeueing: once its tiles are back in the queue, the others may finish the run first.
        if (Interlocked.Increment(ref _restarts) > _options.MaxRestarts)
        {
            Fail($"worker {worker.WorkerId} {reason}; giving up after {_options.MaxRestarts} replacements in this run");
            return;
        }
        int requeued = RequeueOutstanding(worker);
        Interlocked.Add(ref _tilesRetried, requeued);
        _log.WorkerFailed(worker.WorkerId, reason, requeued);
        _background.Add(ReplaceAsync(worker));
    }

    /// <summary>Puts every tile still outstanding at <paramref name="worker"/> back in the queue.</summary>
    private int RequeueOutstanding(WorkerConnection worker)
    {
        int requeued = 0;
        foreach (var (id, job) in _pending)
        {
            if (job.Worker == worker && _pending.TryRemove(id, out var removed))
            {
                _queue.Writer.TryWrite(removed.Tile);
                requeued++;
            }
        }
        return requeued;
    }

    private async Task ReplaceAsync(WorkerConnection failed)
    {
        try
        {
            var replacement = await _pool.ReplaceAsync(failed, _stop.Token);
            if (_prepare is not null)
            {
                await _prepare(replacement, _stop.Token);
            }
            Adopt(replacement);
        }
        catch (Exception e) when (e is Cli.CommandLineException or WorkerFailedException or IOException)
        {
            Fail($"worker {failed.WorkerId} failed and its replacement could not start: {e.Message}");
        }
    }

    /// <summary>Kills a worker that holds a job past the timeout; its disconnect then triggers the replacement.</summary>
    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        var period = TimeSpan.FromMilliseconds(Math.Clamp(_options.JobTimeout.TotalMilliseconds / 4, 10, 250));
        using var timer = new PeriodicTimer(period);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                foreach (var (id, job) in _pending)
                {
                    if (Stopwatch.GetElapsedTime(job.SentTimestamp) > _options.JobTimeout && !_failed.ContainsKey(job.Worker))
                    {
                        _log.WorkerKilled(job.Worker.WorkerId, string.Create(CultureInfo.InvariantCulture, $"no answer to job {id} within {_options.JobTimeout.TotalMilliseconds:0} ms"));
                        job.Worker.Process?.Kill();
                        FailWorker(job.Worker, "stopped answering");
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The run ended.
        }
    }

    private void Fail(string message) => _done.TrySetException(new WorkerFailedException(message));

    private readonly record struct PendingJob(Tile Tile, WorkerConnection Worker, long SentTimestamp);
}
